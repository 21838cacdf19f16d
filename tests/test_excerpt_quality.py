"""Excerpts worth posting: they stand alone (the whole opening read), are prose rather than
debris, come in any language, and only the best few are kept, spread over the article."""

from __future__ import annotations

import json

import pytest

from bot.article import Article
from bot.excerpt import MAX_EXCERPTS, excerpt_article, excerpt_count, shorten_to_fit
from bot.excerpt.debris import debris, debris_of
from bot.excerpt.dependence import dependence
from bot.excerpt.lexicon import lemmas
from bot.excerpt.recall import introduces, recalls, words_lemmas
from bot.excerpt.sentences import split_sentences
from bot.ingest import load_article
from bot.language import detect_language, units
from tests.conftest import SHARED


def article(*paragraphs: str, title: str = "Notes", language: str | None = None) -> Article:
    return Article(
        id="a1", title=title, paragraphs=tuple(paragraphs), source="test", language=language
    )


@pytest.mark.parametrize(
    ("opening", "why"),
    [
        ("The company said its profits rose in the third quarter.", "the company"),
        ("The study also found a link between sleep and memory.", "also"),
        ("The next year, prices fell by a third across the region.", "the next year"),
        ("If it's large enough, the shelf will hold every book.", "it's"),
        ("You can see his other works in the background of the film.", "his"),
        ("Yes, my first language was PHP and I am not ashamed of it.", "yes"),
        ("Still, the grinder works better than the one it replaced.", "still"),
        ("Enter the compiler, which turns all of it into machine code.", "enter"),
        ("Presumably, prices will keep rising for most of next year.", "presumably"),
        ("Anyway, the forum software continued to evolve for years.", "anyway"),
        ("The following chart shows how the numbers moved over time.", "figure"),
        ("Sales rose sharply (red) while costs stayed flat (blue).", "figure"),
        ("“Of all the gods, I only know the keys that open the doors.”", "quotation"),
        ("Speaking of that video, I started seeing more coffee content.", "speaking of"),
        ("When I first read the question, I thought it meant something else.", "the question"),
        ("Is the data already available locally, or fetched every time?", "the data"),
        ("I can find it if I search for the current link in the codebase.", "'it'"),
        ("Months have passed since then, and the office still talks about it.", "back"),
        ("The most pressing issue for me, however, was to see the film at all.", "back"),
        ("I had that feeling about the office kitchen too.", "back"),
        ("In Octopress, that means the rules for links have no effect.", "that"),
        ("Some of the people in the community also knew how to program.", "also"),
        ("Whilst the world is thus dual, so is every one of its parts.", "thus"),
        ("Thanks to DRM, it comes with its own set of challenges.", "'it'"),
        ("I have already mention'd that I had only one year's schooling.", "back"),
        ("As we have already discussed, the cache is cleared on every deploy.", "back"),
        ("The HTML test file must be served over HTTP for the adapter to load.", "the html"),
        ("The USB drive failed after a week on the shelf.", "the usb drive"),
        # An answer whose verb the question before supplies.
        ("I honestly don't know.", "left out"),
        ("We simply didn't.", "left out"),
        # Further than, or like, what came before.
        ("Some teams go one step further and drop the labels altogether.", "compares"),
        ("A similar mistake happens when teams pick tools at random.", "compares"),
        # A work, an event, a question pointing at what the reader was not shown.
        ("One of the best things about this book is how short it is.", "this book"),
        ("Few events shaped my career as much as that interview.", "that interview"),
        ("How is that measured in practice?", "that"),
        ("We've already established that nobody here is an expert.", "back"),
        ("From the other side, juniors ask the same questions every week.", "other side"),
        ("Rather, I learned the most when a problem resisted me for a week.", "rather"),
        ("Most importantly, you get to think before the code exists.", "importantly"),
        ("It is hard not to feel responsible when that happens to a colleague.", "that"),
        ("There are other great things you can do once the team trusts you.", "compares"),
        ("Getting back to the caveat, a false positive costs one extra lookup.", "getting back"),
        ("From the example in the previous section it is clear why the filter fails.", "back"),
        ("The bug we pointed out earlier is fixed in the next release.", "back"),
        # "it was exciting because…": not "it is … to/that", so "it" is something.
        ("I never noticed it was exciting because nobody had explained the rules.", "'it'"),
        # "he" cannot stand for "questions": someone the text before introduced.
        ("I ask a few normal questions, meanwhile he keeps checking his watch.", "'he'"),
        ("In the process, I learned a thing or two about maintaining a project.", "process"),
        ("Next I tried adding a second document to the index.", "next"),
        ("While that comes to a boil, grind the coffee to a medium coarseness.", "'that'"),
        ("Anyways, after the presentation we started our journey back home.", "anyways"),
        ("In a similar way, it was empowering to use modules of the library.", "similar"),
        ("Try it out for yourself, and share any tweaks you might have.", "'it'"),
        ("The next day and for most of the trip the interns hung out together.", "next day"),
        ("In order to run the script automatically, set up a time-based trigger.", "script"),
        ("Luckily, that was only about six hours of the drive.", "'that'"),
        ("See the previous post for more about the long-distance trail.", "back"),
        ("Below is a diagram showing the kernel and user modes side by side.", "figure"),
        ("Granted mounting is not a requirement of building images.", "granted"),
        ("For one, we need subuid and subgid maps on every node.", "for one"),
        ("Right now, like I pointed out, the drive is mounted as a folder.", "back"),
        ("The fourth command prints the ticket cache of the current user.", "series"),
        ("The final step that remains is the hardest of all.", "series"),
        ("We then walked back to the station in the rain.", "then"),
        ("Similar to our backup checks, we wanted to time every restore.", "similar to our"),
        ("I took the train this time and arrived rested.", "back"),
        ("Time for a quick aside about the history of the format.", "back"),
        ("We liked the town though, the food was great.", "back"),
        ("We continued along the river until the path ran out.", "we continued"),
    ],
)
def test_openings_that_lean_on_the_text_before(opening, why):
    reason = dependence((opening,), "A title about nothing in particular", "en")
    assert reason is not None and why in reason.lower()


@pytest.mark.parametrize(
    "opening",
    [
        "Cytokines are small proteins that carry messages between immune cells.",
        "The idea behind code coverage is to record which parts of your code ran.",
        "The Request interface defines a request to fetch a resource over HTTP.",
        "It is important to note that cells divide many times a day.",
        "Despite their vital role, cytokines can harm the body when overproduced.",
        "“Thy lot or portion of life,” said the Caliph Ali, “is seeking after thee.”",
        "Every man discriminates between the voluntary acts of his mind and others.",
        "There is a crack in every thing God has made.",
        "The history of persecution is a history of endeavors to cheat nature.",
        "Music affects the nerves of the body, and thus possesses the power of direct appeal.",
        "In 2020, it was clear that prices would rise for years.",
        "The FBI said it would open an investigation into the leak.",
        "The CSS rules apply to every page of the site.",
        "The 18F model spread to other agencies within two years.",
        "Rust goes one step further than C++ by checking every borrow.",
        "Similar tools exist for Python and Ruby.",
        "Prices rose above average this year in every region.",
        "Obviously, nobody wants a slow website.",
        "I don't know a single developer who enjoys estimating.",
        "Raised beds need less digging every spring, as we saw again this year.",
        "Rather than guess, measure the slow query before changing it.",
        "Make sure that works on a phone before you ship it.",
        "Other people have ideas I do not understand for months.",
        "Next-generation sequencing reads millions of fragments at once.",
        "When that process fails, every job is retried an hour later.",
        "Shared offices make it hard to focus on anything for long.",
        "The second time around, the climb felt much shorter.",
        "At this time the shop closes early every evening.",
        "Even though, in theory, nobody needs a car in Venice, most people own a boat.",
    ],
)
def test_openings_that_stand_alone(opening):
    assert dependence((opening,), "A title about nothing in particular", "en") is None


@pytest.mark.parametrize(
    ("opening", "language"),
    [
        ("我们会验证这些约定是否支持通用的实现。", "zh"),
        ("モノリスでは、これらの機能をその部分ごとに分けて配置できない。", "ja"),
        ("모놀리식 애플리케이션에서는, 이러한 기능 부분들을 나누어 배치할 수 없다.", "ko"),
        ("Además, el proyecto ha crecido mucho este año.", "es"),
        ("Ми також раді, що ця ініціатива надає доступ до документації.", "uk"),
        ("といったあたりに「豪雨」の単語が見える。", "ja"),
        ("だって閏秒のたびに大量の人員を配置するんだぜ。", "ja"),
        ("と書かれている。 これは気象庁の用語だ。", "ja"),
        ("Ми запрошуємо вас долучитися до цієї ініціативи.", "uk"),
        ("Los autores publicaron este proyecto en 2019.", "es"),
        ("کارکنوں نے اس منصوبے پر صرف ایک ہفتہ کام کیا۔", "ur"),
        ("Porque mantener un framework propio consume tiempo.", "es"),
        ("Una idea similar aparece en otros libros del autor.", "es"),
        ("ただ、内容は決して薄くない。", "ja"),
        ("先に挙げたような解決策はどこにでもある。", "ja"),
        ("まあ、そうは言っても実際には難しい。", "ja"),
        ("然后又等了漫长的几周。", "zh"),
        ("以上就是我想分享的全部内容。", "zh"),
        ("こちらの本は主に開発者向けです。", "ja"),
        ("En plus, l'API des service workers est assez aride.", "fr"),
        ("Comme je l'ai évoqué plus haut, Python permet la programmation objet.", "fr"),
        ("C'est également le moment de donner un feedback au candidat.", "fr"),
        ("Comme je maîtrisais les sujets en question, j'ai mené l'entretien.", "fr"),
        ("그에 반해서 미들 레벨에서는 일을 완료하는 범위가 상대적으로 넓다.", "ko"),
        ("Otra señal interesante es la importancia de las plataformas de IA.", "es"),
        ("Algo parecido ocurre con el ownership de cada parte del sistema.", "es"),
        ("El problema aparece cuando se confunden ambos enfoques.", "es"),
        ("Spec Kit, por su parte, representa una apuesta más orientada a agentes.", "es"),
        ("上面的情况说明开发人员更关注的还是自己所负责的功能。", "zh"),
        ("到此，小王完成了一个小的闭环。", "zh"),
        ("Letzteres ist das Recht einer Firma auf Meinungsfreiheit.", "de"),
        ("Die kann ihre Gründe darin haben, dass nicht jeder es sich leisten kann.", "de"),
        ("Die Frage dabei: Zentral oder dezentral?", "de"),
        ("OK, ich fange den Satz nochmal an.", "de"),
        ("Son decisiones técnicas en toda regla, pero nadie las cuenta.", "es"),
        ("很多的行业应该都存在类似的工作制度。", "zh"),
        ("Déjà, la plupart de mes projets sont solo.", "fr"),
        ("反対に、WordPressは動的サイトに分類されます。", "ja"),
        ("使っているキーボードの画像を下に載せます。", "ja"),
        # A line of dialogue: out of its scene, nobody is speaking.
        ("– Você não lembra de mim?", "pt"),
        ("— Ya lo sé, pero no puedo ir.", "es"),
        ("Nesse livro, o autor conta a história da cidade.", "pt"),
        ("No vídeo acima eu mostro como montar a mesa.", "pt"),
        ("Ecco perché abbiamo scelto la strada più corta.", "it"),
        ("Dopodiché siamo tornati in albergo per cena.", "it"),
        ("Incredibile la loro pazienza con i turisti.", "it"),
        ("Sino que nadie sabe cómo funciona por dentro.", "es"),
        ("Poco tiempo después cambié de trabajo y de ciudad.", "es"),
        ("Mientras pensaba en todo esto, llegó el tren.", "es"),
        ("Continuiamo a pedalare lungo la costa fino a sera.", "it"),
        ("Después vino el amor por la programación.", "es"),
        ("Depois fomos jantar perto da praia.", "pt"),
        ("Darum haben wir den Umzug noch einmal verschoben.", "de"),
        ("Eine Festplatte hingegen kann man jederzeit austauschen.", "de"),
        ("Wie schon gesagt: Ich mag die Stille am Morgen.", "de"),
        ("しかも、その日は雨だった。", "ja"),
        ("下記のサイトに詳しくまとめられている。", "ja"),
        ("年を取っても元気なのは、そういう習慣があるからだろう。", "ja"),
        ("Une autre idée importante est de tester tôt.", "fr"),
        ("Da qui la strada sale per dieci chilometri.", "it"),
    ],
)
def test_openings_that_lean_on_the_text_before_in_other_languages(opening, language):
    assert dependence((opening,), "OpenTelemetry", language) is not None


def test_a_passage_that_opens_its_paragraph_ranks_before_one_from_inside_it():
    """Inside a paragraph a passage leans on what came before far more often, so of two
    equally good sentences the one that opens its paragraph comes first; the other needs a
    clearly better score to be kept at all."""
    opening = "Honeybees keep their winter cluster near thirty-five degrees Celsius."
    inside = "Beekeepers in Norway measure the hive weight every week of the winter."
    excerpts = excerpt_article(article(opening, f"Bees fly. {inside}"), max_length=280)
    texts = [e.text for e in excerpts]
    assert texts[0] == opening
    assert all(inside not in t or t.startswith("Bees fly.") for t in texts)


@pytest.mark.parametrize(
    ("opening", "language"),
    [
        ("Документація та переклади OpenTelemetry доступні всім охочим.", "uk"),
        ("El proyecto OpenTelemetry publica su documentación en seis idiomas.", "es"),
        ("ڈیو آپس ٹیموں کو مل کر کام کرنا سکھاتا ہے۔", "ur"),
        # "اس بات … کہ": "this" points at the clause it announces.
        ("ہمیں اس بات کا یقین ہے کہ ڈیو آپس کام کرتا ہے۔", "ur"),
        ("Cuando llueve, el tráfico de la ciudad empeora.", "es"),
        ("ただの趣味ではなく、仕事の道具でもある。", "ja"),
        # An article, an adjective, a noun: no pronoun.
        ("Die kleine Katze schläft den ganzen Tag auf dem Sofa.", "de"),
        ("Der erste Schritt ist immer der schwerste.", "de"),
        ("我把代码放在GitHub上面的一个仓库里。", "zh"),
        ("O livro conta a história da cidade em dez capítulos.", "pt"),
        ("Abbiamo scelto la strada più corta per arrivare al mare.", "it"),
        # "After years of work, …": a clause of its own, not "after that".
        ("Después de años de trabajo, publiqué mi primer libro.", "es"),
        ("Depois de anos de trabalho, publiquei o livro.", "pt"),
        ("Dopo anni di lavoro ho pubblicato il libro.", "it"),
    ],
)
def test_openings_that_stand_alone_in_other_languages(opening, language):
    assert dependence((opening,), "OpenTelemetry", language) is None


@pytest.mark.parametrize(
    ("parts", "leans"),
    [
        (("Kings ruled the nations.", "They taught us by this colossal symbol a reverence."), True),
        (("The old forum was a mess.", "We fixed these awful bugs every weekend."), True),
        (("We kept a colossal symbol of gold.", "Children bowed to this colossal symbol."), False),
        (("My grinder has cheap burrs.", "I replaced these cheap burrs last week."), False),
        (("We moved to a new office.", "This year we hired four people."), False),
    ],
)
def test_a_later_sentence_relabelling_what_the_passage_does_not_name(parts, leans):
    """ "this colossal symbol" in a second sentence re-labels something: the passage must
    have named it, else it lies before the passage."""
    assert (dependence(parts, "Notes", "en") is not None) is leans


@pytest.mark.parametrize(
    ("before", "passage", "leans"),
    [
        # First-person narration of something the paragraphs before introduced.
        (
            "A friend lent me an old movie on a disc.",
            "But I wanted to see the movie as soon as possible, so I bought a drive.",
            True,
        ),
        (
            "The app shows data on movies by actor name.",
            "I would first try to understand where the movie data is coming from.",
            True,
        ),
        (
            "We kept the code on a server in a closet.",
            "We were careless and deployed the changes to the server by hand.",
            True,
        ),
        # Not narration: an essay's present, a manual's imperative, a kind not a thing.
        (
            "The soul is older than the world.",
            "I must feel that the soul is free of its history.",
            False,
        ),
        # A definite noun phrase that the text before brought in with "a": the same thing,
        # first person or not; early in the passage a single noun is enough.
        (
            "Each workshop has a parking lot.",
            "Put every question in the parking lot during the workshop.",
            True,
        ),
        (
            "Attendees bring up an important thought, idea or topic.",
            "Since the topic is relevant, you want to include it.",
            True,
        ),
        # Late in the passage, one noun brought in with "a" may be a kind: "the workshop".
        (
            "You are running a workshop for a team.",
            "Hold a space for questions that come up throughout the workshop.",
            False,
        ),
        # Not narration: an essay's present, a manual's imperative, a kind not a thing.
        (
            "The soul is older than the world.",
            "I must feel that the soul is free of its history.",
            False,
        ),
        (
            "Each workshop keeps its own board.",
            "Put every question in the parking lot during the workshop.",
            False,
        ),
        # Named in the passage itself, or not named before at all, or says which.
        (
            "A friend lent me an old film on a disc.",
            "I bought a film on eBay and watched the film twice.",
            False,
        ),
        ("We talked about coffee.", "I wanted to see the movie as soon as possible.", False),
        (
            "We talked about the meaning of things.",
            "I found the meaning of life in a coffee cup.",
            False,
        ),
    ],
)
def test_narration_that_names_as_known_what_the_article_introduced_before(before, passage, leans):
    """In a first-person story, "the movie" after a paragraph about a film is that film; in
    any passage, "the parking lot" after "a parking lot" is that one: the passage alone
    leans on it."""
    found = recalls(passage, words_lemmas(before), lemmas("Notes"), introduces(before))
    assert (found is not None) is leans


def test_a_later_sentence_pointing_above_makes_the_passage_lean_on_the_text_before():
    parts = (
        "Ask any of my friends whether I am an expert.",
        "All three of the people above know far more than I do.",
    )
    assert dependence(parts, "Experts", "en") == "refers back"
    assert dependence(parts[:1], "Experts", "en") is None


def test_an_acronym_the_article_coined_is_not_used_without_its_words():
    """ "The BFED" after "the boring front-end developer, BFED if you will" is jargon to a
    reader of the post alone; an acronym spelled out in the passage, or used bare from the
    start as a known one, is not."""
    intro = (
        "In a world of flashy developers, I am the boring front-end developer, BFED if "
        "you will, and I write plain HTML that loads fast on every phone."
    )
    coined = "The BFED picks third-party code by reading its source, not by its popularity."
    spelled = (
        "Ego Driven Development (EDD) is a habit of building what flatters the team "
        "instead of what the users need."
    )
    known = "Plain HTML pages keep working long after the frameworks around them are gone."
    kept = [
        e.text
        for e in excerpt_article(
            article(intro, coined, spelled, known, title="Boring on purpose"), max_length=280
        )
    ]
    assert intro in kept and spelled in kept and known in kept
    assert coined not in kept


def test_a_passage_naming_as_known_what_the_paragraph_before_introduced_is_not_kept():
    passage = (
        "I wanted to see the movie as soon as possible, so I bought a disc drive that "
        "could still read old discs."
    )
    story = "A friend lent me an old movie on a disc that no player in the house could read."
    other = "My old discs sat in a box in the attic for years, and no drive I owned could read."
    kept = [
        e.text for e in excerpt_article(article(other, passage, title="Old discs"), max_length=280)
    ]
    assert passage in kept
    kept = [
        e.text for e in excerpt_article(article(story, passage, title="Old discs"), max_length=280)
    ]
    assert passage not in kept


def test_a_paragraph_announced_by_a_colon_is_not_a_new_start():
    lead = "Over the years I came to rely on a handful of plain tools that never let me down."
    item = (
        "A plain shell and a plain text editor are the tools that carried me through my "
        "first decade of writing software."
    )
    for end, announced in ((".", False), (":", True), ("：", True), (": ", True), (",", True)):
        paragraphs = (lead[:-1] + end, item)
        kept = [
            e.text
            for e in excerpt_article(article(*paragraphs, title="Plain tools"), max_length=280)
        ]
        assert (item in kept) is not announced, end


def test_that_points_at_a_thing_told_of_before_even_when_the_title_names_its_kind():
    assert (
        dependence(
            ("Every hiring team should try this interview format.",), "Better interviews", "en"
        )
        is None
    )
    assert (
        dependence(("Nothing shaped me as much as that interview did.",), "Better interviews", "en")
        is not None
    )


def test_a_noun_the_title_introduces_needs_no_introduction():
    opening = "The grinder arrived broken, so I sent it back the same day."
    assert dependence((opening,), "Notes", "en") is not None
    assert dependence((opening,), "My new coffee grinders", "en") is None


def test_a_dependent_sentence_is_taken_with_the_one_before_it():
    first = "Acme Rockets builds small launchers in a hangar outside Austin, Texas."
    second = "The company said its next launch carries twelve satellites into orbit."
    excerpts = excerpt_article(article(f"{first} {second}"), max_length=280)
    assert [e.text for e in excerpts if "The company said" in e.text] == [f"{first} {second}"]


@pytest.mark.parametrize(
    ("parts", "language", "why"),
    [
        # Letters that stand for what the article defined before.
        (("Whether X is really correlated with Y depends on the season.",), "en", "letters"),
        (("I trust an analysis when A and B are known and C is small.",), "en", "letters"),
        # A story's dialogue: said by "she", to "me"; Chinese fiction's "道".
        (("“We should leave before the rain,” she said.",), "en", "dialogue"),
        (("“Put the kettle on,” my aunt told me.",), "en", "dialogue"),
        (("“明天再来吧。”", "老王对我说。"), "zh", "dialogue"),
        (("“你吃过饭了吗？”小李又道。",), "zh", "dialogue"),
        # A quotation whose own words say "say": still no speaker.
        (("“I always say yes when I mean no.”", "That habit cost me a year."), "en", "speaker"),
        # The case, the point, the question the text before set out.
        (("What would a good result look like in this case?",), "en", "back"),
        (("I have to say it again: the tests are the documentation.",), "en", "back"),
        (("I cannot see how that is relevant to the budget at all.",), "en", "that"),
        (("Databases on the other hand keep their promises for years.",), "en", "back"),
        (("It’s like a relay where each runner has to carry a different baton.",), "en", "It"),
        # Chinese: an item of a list, an answer, "the author", a time of the story.
        (("第二是价格，开始卖五毛，后来一块。",), "zh", "opens"),
        (("入门者：知道规则，但不知道什么时候用。",), "zh", "list"),
        (("答案是，先写测试，再写代码。",), "zh", "opens"),
        (("作者从一个简单的问题出发，写了整整一本书。",), "zh", "opens"),
        (("我当时并不知道这意味着什么。",), "zh", "当时"),
        # The ninth audit: a next step, "my suggestions", one of my series, a similar one.
        (("After the first coat, the natural next step was sanding.",), "en", "back"),
        (("Critics call my suggestions naive, or worse.",), "en", "back"),
        (("I'm not talking about the drafts people share with friends.",), "en", "back"),
        (("For my second sweater, I picked a thicker wool.",), "en", "back"),
        (("I wonder if a similar habit explains the drop in sales.",), "en", "compares"),
        (("Turns out, the parcel had been at the neighbours' all week.",), "en", "opens"),
        (("Notice I use the generic names, not the tools your team picked.",), "en", "opens"),
        # Dutch, Russian, Korean: openers and words pointing back.
        (("Dan loop ik verder over de dijk naar het dorp.",), "nl", "opens"),
        (("Het mooie daarvan is dat alles draadloos werkt.",), "nl", "daarvan"),
        (("Во-вторых, дети говорят между собой на диалекте.",), "ru", "opens"),
        (("Если объединить его с работой, можно добиться большего.",), "ru", "его"),
        (("심지어 새로 산 디스크는 거의 쓰지 않았다.",), "ko", "opens"),
        (("마지막 안전망이 하나 더 있다.",), "ko", "하나 더"),
    ],
)
def test_a_passage_that_leans_on_the_article_is_not_an_excerpt(parts, language, why):
    reason = dependence(parts, "Notes", language)
    assert reason is not None and why in reason


@pytest.mark.parametrize(
    ("parts", "language"),
    [
        (("Cytokines are made by many cells, including T cells and B cells.",), "en"),
        (("Let X be the number of readers and Y the number of posts.",), "en"),
        (("Getting from A to B took us Plan B and a bag of vitamins C and D.",), "en"),
        (("“Stay hungry, stay foolish,” Steve Jobs told the graduates in 2005.",), "en"),
        (("“世上本没有路，走的人多了，也便成了路。”鲁迅说。",), "zh"),
    ],
)
def test_passages_like_those_that_stand_alone(parts, language):
    assert dependence(parts, "Notes", language) is None


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('{{< fig-quote title="Rain" >}} Heavy rain fell on the city for hours.', "markup"),
        ("The leap second was added in 1972 to keep clocks in step.[^ut1]", "markup"),
        ("The limit is $|UT1-UTC| \\leq 0.9$ seconds at all times.", "markup"),
        ("Mozilla was founded in 1998 by Netscape employees.[4]", "marker"),
        (
            '^ "Mozilla Releases Test Version of Firefox OS". PC Magazine. Retrieved 2012-08-18.',
            "reference",
        ),
        (", and then refer to that id in your text in the normal way.", "start"),
        ("partnering on projects supporting national defense agencies", "start"),
        ("Support and mentor future Mozilla Reps", "end"),
        ("Here is how to set up the build in three steps:", "follows"),
        ("(Second-order logics quantify over sets of individuals too.)", "aside"),
        ("Allowing everyone to talk about whatever is on their mind in the first hour.", "gerund"),
        ("BUT.", "conjunction"),
        ('Je la perçois comme un moyen de "combattre le mal par le mal", i.e.', "end"),
        (
            'Todd Presner, "How to Evaluate Digital Scholarship," a white paper, accessed '
            "November 6, 2011.",
            "reference",
        ),
        ("**分享即提高，收获最大的是你自己。**很庆幸我开始写博客。", "markup"),
        ("我搭建了自己的独立博客： ，把以前的文章都导入了过来。", "hole"),
        (
            "Along the shore the tide runs out The gulls are crying loud and long; And every "
            "wave that turns about Is singing still its evening song.",
            "verse",
        ),
    ],
)
def test_debris_is_never_an_excerpt(text, why):
    reason = debris(text, language="en")
    assert reason is not None and why in reason
    assert excerpt_article(article(text), max_length=280) == []


@pytest.mark.parametrize(
    ("text", "language", "why"),
    [
        # What the text after it shows: a list it counts, a speech it announces.
        ("A good review of a pull request comes in three parts.", "en", "counts"),
        ("Before you start, you should know the four main stages.", "en", "counts"),
        ("老师放下手里的书，看了我们一眼，说。", "zh", "says"),
        ("她站起身来，走到窗前，笑着道。", "zh", "says"),
        # A bibliography's entry, in any language.
        ("Ortega Ruiz, J. M. (2019). Historia del agua en los Andes. Lima: Fondo.", "es", "ref"),
        # A call to action, a contact line, a question that sells.
        ("If you'd like to help translate the app, join our forum and say hello.", "en", "call"),
        ("Postscript: if you happen to be in Lyon in May, drop me a line.", "en", "call"),
        ("You can read more from us by subscribing to our monthly newsletter.", "en", "call"),
        ("Want to see the project succeed? Then, contribute!", "en", "call"),
        (
            "Everyone builds little tools for their own chores. Need to rename some files?",
            "en",
            "question",
        ),
        ("이 방식의 문제는 주로 두 가지에서 생긴다.", "ko", "counts"),
    ],
)
def test_what_the_text_after_it_gives_or_a_call_to_action_is_never_an_excerpt(text, language, why):
    reason = debris_of(tuple(split_sentences(text, language)), language=language)
    assert reason is not None and why in reason.replace("reference", "ref")
    assert excerpt_article(article(text, language=language), max_length=280) == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("There are two kinds of coffee drinkers in every office I have worked in.", "en"),
        ("If you sign up for a gym in January, you will rarely go by March.", "en"),
        ("他想了很久，还是不知道。", "zh"),
        ("Smith and Jones (2019) found that sleep helps memory.", "en"),
    ],
)
def test_sentences_like_those_are_prose(text, language):
    assert debris(text, language=language) is None


def test_a_cut_right_after_a_list_number_is_debris():
    cut = "At each stage the team has to agree on (1) what success means; (2) the budget; and (3)…"
    assert "number" in debris(cut, shortened=True, language="en")


@pytest.mark.parametrize(
    "text",
    [
        "Being wrong in public is how most of us learn anything worth knowing.",
        "Following the talk, we walked to the harbour and talked until midnight.",
        "Writing tests first takes longer on the first day and less on every day after.",
    ],
)
def test_a_sentence_opening_with_a_gerund_and_having_its_verb_is_prose(text):
    assert debris(text, language="en") is None


@pytest.mark.parametrize(
    "text",
    [
        "Response instances are returned by calls to fetch() in every modern browser.",
        "The static method Response.error() simply returns an error response.",
        "The __init__ method of a class runs before anything else touches the object.",
    ],
)
def test_code_in_a_sentence_is_not_a_hole_or_markup(text):
    assert debris(text, language="en") is None


@pytest.mark.parametrize("marker", ["- ", "(+) ", "(-) "])
def test_a_list_marker_is_left_out_of_the_excerpt(marker):
    line = "There are no hidden treasures in private repositories, and no secret toolchains."
    [e] = excerpt_article(article(marker + line, title="Open repositories"), max_length=280)
    assert e.text == line


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (
            "Context managers run code before and after a block, such as closing files "
            "(note: the contextlib library is brilliant…",
            "brackets",
        ),
        (
            "If you have a project that people are interested in, and you show them that "
            "trust, more often than not…",
            "main clause",
        ),
        ("Despite some experiments with digital publishing by traditional presses…", "main"),
    ],
)
def test_a_cut_that_leaves_its_sentence_unfinished_is_debris(text, why):
    reason = debris(text, shortened=True, language="en")
    assert reason is not None and why in reason


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Dass nun das Geschäft mit der Werbung ganz brutal weggebrochen ist…", "de"),
        ("Wenn ich dann allerdings lese, dass die Konzerne die Funktion abschalten…", "de"),
        ("Sie sagte: „Das ist gut…", "de"),
        ('The rule is that the main branch should always be "stable…', "en"),
        ("Si la especificación cambia cada semana, el equipo pierde…", "es"),
        # An aside between paired dashes, cut before its closing one.
        ("Me irrita la charla de gente que no sabe nada —al igual que quien escribe…", "es"),
    ],
)
def test_a_cut_before_the_point_is_debris_in_other_languages(text, language):
    assert debris(text, shortened=True, language=language) is not None


@pytest.mark.parametrize(
    ("text", "language", "cut"),
    [
        (
            "La interfaz era absolutamente inaccesible para cualquier persona ciega.",
            "es",
            "La interfaz era absolutamente inaccesible…",
        ),
        (
            "Die Anleitung erklärt jeden Schritt mit einem Bild.",
            "de",
            "Die Anleitung erklärt jeden Schritt…",
        ),
    ],
)
def test_a_cut_never_ends_on_an_article_preposition_or_conjunction(text, language, cut):
    assert shorten_to_fit(text, lambda s: len(s) <= len(cut) + 6, language) == cut


def test_a_cut_that_leaves_off_only_the_last_words_is_not_an_excerpt():
    """ "…anything that requires deep…": the words left off were its point."""
    sentence = (
        "Cytokines are small proteins that carry messages between immune cells, and they "
        "tell the body when to start and when to stop fighting an infection."
    )
    cytokines = article(sentence, title="Cytokines")
    whole = excerpt_article(cytokines, max_length=len(sentence))
    assert [e.text for e in whole] == [sentence]
    # Not "…when to stop fighting…", which leaves off "an infection", nor "…when to
    # start…", cut between two words of a clause: where a clause ends.
    clause = sentence[: sentence.index(", and they")] + "…"
    for room in (len(sentence) - 6, len(sentence) - 30):
        assert [e.text for e in excerpt_article(cytokines, max_length=room)] == [clause]
    # A clause's end that leaves off only the last word or two is no cut either.
    late = "Cytokines carry messages between the immune cells of the body for days, mostly."
    assert excerpt_article(article(late, title="Cytokines"), max_length=len(late) - 3) == []


def test_a_cut_after_a_closed_quotation_is_kept():
    text = "Er sagte „das geht nicht“ und ging dann nach Hause in die…"
    assert debris(text, shortened=True, language="de") is None


def test_a_cut_that_ends_on_a_complete_clause_is_kept():
    text = "Digital accessibility is about creating content that anyone can use, regardless…"
    assert debris(text, shortened=True, language="en") is None


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Sen. Shelley Moore Capito, R-W. Va., voted yes. The bill passed.", 2),
        ("Atty. Gen. Merrick Garland spoke first. Rep. Smith and Gov. Newsom agreed.", 2),
        ("He moved to Washington, D.C. Then he left for Boston.", 2),
    ],
)
def test_abbreviations_do_not_end_sentences(text, sentences):
    assert len(split_sentences(text)) == sentences


def test_a_korean_quotative_particle_continues_the_sentence():
    text = "그는 “정말 괜찮아?” 라고 물었다. 나는 대답하지 않았다."
    assert split_sentences(text, "ko") == [
        "그는 “정말 괜찮아?” 라고 물었다.",
        "나는 대답하지 않았다.",
    ]
    # A quotation inside its sentence goes on too; one that opens a sentence ends there.
    inside = '서버는 DB에 "지금 처리할 사람 있어?" 쿼리를 날리고 끝난다. 다음 문장이다.'
    assert len(split_sentences(inside, "ko")) == 2
    alone = '그가 물었다. "괜찮아?" 나는 대답하지 않았다.'
    assert split_sentences(alone, "ko")[1] == '"괜찮아?"'


def test_an_excerpt_is_not_cut_after_a_closing_bracket():
    """ "What marks writing as amateurish (and whether such works win awards)…" is a subject
    without its verb."""
    sentence = (
        "What marks writing as amateurish (and whether such works deserve awards at all) has "
        "been argued over in the science fiction community for many years now."
    )
    fits = lambda text: len(text) <= len(sentence) - 20  # noqa: E731
    assert shorten_to_fit(sentence, fits, "en", at_clause=True) is None
    # A title or a thread's part may still be cut there, or between words.
    assert shorten_to_fit(sentence, fits, "en").endswith("…")


def test_a_japanese_quotation_particle_continues_the_sentence():
    text = "基準があったっけ？と思って簡単に調べてみた。次に進む。"
    assert split_sentences(text, "ja") == [
        "基準があったっけ？と思って簡単に調べてみた。",
        "次に進む。",
    ]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("豪雨という言葉は気象用語としての基準があるのだろうか。簡単に調べてみた。", "ja"),
        ("要制定出坚实的约定，尤其在技术多样的领域，需要集体协作。我们正在寻找开发者。", "zh"),
        ("마이크로서비스는 애플리케이션 개발에 대한 근래의 접근 방법이다.", "ko"),
        ("Hoy, la fundación anunció que el proyecto ha graduado con éxito.", "es"),
        ("Ми раді повідомити, що вебсайт доступний кількома мовами.", "uk"),
        ("The grinder arrived on a Tuesday and it was the best thing in the kitchen.", "en"),
    ],
)
def test_the_language_of_a_body_that_does_not_say_it(text, language):
    assert detect_language(text) == language


def test_words_are_counted_in_scripts_without_spaces():
    assert units("one two three") == 3
    assert units("豪雨という言葉") == 3.5  # seven letters, two to a word


CJK = {
    "ja": (
        "豪雨という言葉が気軽に使われている印象を受けたので、気象用語としての基準を調べてみた。",
        "気象庁によれば、集中豪雨とは線状の降水帯が数時間停滞して大雨が集中して降るものである。",
        "局地的大雨は急に強く降り、数十分の短時間に狭い範囲に数十ミリ程度の雨量をもたらす。",
        "しかし、この区別は一般にはあまり知られておらず、報道でも混同されることが多い。",
    ),
    "zh": (
        "要制定出坚实的约定，尤其在像远程调用这样技术多样的领域，需要整个社区的集体协作。",
        "继数据库语义约定完成稳定后，我们将继续推进关键领域的标准化，而远程调用是下一个重点。",
        "我们正在寻找熟悉任何主流远程调用框架的开发者，也欢迎希望参与原型开发的贡献者。",
        "但是，这些工作需要时间，我们希望大家耐心等待并积极参与讨论。",
    ),
    "ko": (
        "마이크로서비스는 애플리케이션 개발에 대한 근래의 접근 방법으로 클라우드 기술을 활용한다.",
        "모놀리식 애플리케이션에서는 모든 코드가 한 곳에 있으므로 코드가 강하게 결합되기 쉽다.",
        "여러 클라우드 네이티브 기술은 마이크로서비스를 쉽게 배치하고 관리하는 것을 목표로 한다.",
        "하지만 이것은 운영적 오버헤드를 만들어 내며 추적해야 할 것들이 크게 늘어난다.",
    ),
}


@pytest.mark.parametrize("language", sorted(CJK))
def test_cjk_articles_give_excerpts_without_their_dependent_sentences(language):
    paragraphs = CJK[language]
    for tag in (language, None):  # said by the article, or detected
        excerpts = excerpt_article(article(*paragraphs, language=tag), max_length=140)
        assert len(excerpts) == 3  # every sentence but the dependent one, some in runs
        assert all(any(e.text in p for p in paragraphs) for e in excerpts)
        assert not any(e.text in paragraphs[3] for e in excerpts)  # opens with "but, this…"


def long_article(sections: int = 8, sentences: int = 40) -> Article:
    paragraphs = []
    for s in range(sections):
        body = " ".join(
            f"Researchers in lab {s} measured sample {n} of strain {chr(65 + n % 26)}{s} "
            f"at {n + 10} degrees and recorded growth of {n * 3 + s} percent in {n + 2} days."
            for n in range(sentences)
        )
        paragraphs.append(body)
    return article(*paragraphs, title="Growth of bacterial strains at different temperatures")


def test_a_long_article_gives_at_most_max_excerpts_spread_over_it():
    a = long_article()
    assert excerpt_count(a) == MAX_EXCERPTS
    excerpts = excerpt_article(a, max_length=280)
    assert len(excerpts) == MAX_EXCERPTS
    quarters = {e.paragraph * 4 // len(a.paragraphs) for e in excerpts}
    assert quarters == {0, 1, 2, 3}
    assert [e.score for e in excerpts] == sorted((e.score for e in excerpts), reverse=True)
    assert len(excerpt_article(a, max_length=280, max_excerpts=5)) == 5


def test_about_one_excerpt_per_150_words():
    a = long_article(sections=3, sentences=25)  # about 1,650 words
    words = sum(units(p) for p in a.paragraphs)
    assert excerpt_count(a) == round(words / 150)
    assert len(excerpt_article(a, max_length=280)) == round(words / 150)


# The reference articles (../shared/reference/articles): real posts in six languages.
ARTICLES = SHARED / "reference" / "articles"
LANGUAGES = ("ja", "zh", "ko", "es", "uk", "ur")


def reference_articles(language: str) -> list[tuple[str, str]]:
    manifest = ARTICLES / "manifest.json"
    if not manifest.is_file():
        pytest.skip(f"reference articles not available at {ARTICLES}")
    files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    return [(f["path"], f["url"]) for f in files if f["language"] == language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_real_articles_in_other_languages_give_verbatim_excerpts(language):
    for path, url in reference_articles(language):
        a = load_article(ARTICLES / path, url=url)
        excerpts = excerpt_article(a, max_length=250)
        assert len(excerpts) >= 3, path
        for e in excerpts:
            assert any(e.text.removesuffix("…") in p for p in a.paragraphs)
            assert debris(e.text, shortened=e.shortened) is None


def test_an_article_that_does_not_say_its_language_gets_the_detected_one(tmp_path):
    post = tmp_path / "rain.md"
    post.write_text(
        "---\ntitle: 豪雨\nurl: https://example.org/rain/\n---\n\n" + "\n\n".join(CJK["ja"]) + "\n",
        encoding="utf-8",
    )
    assert load_article(post).language == "ja"
    tagged = tmp_path / "tagged.md"
    tagged.write_text(
        post.read_text(encoding="utf-8").replace("title:", "lang: zh\ntitle:"), encoding="utf-8"
    )
    assert load_article(tagged).language == "zh"  # the article's own tag wins
