"""Words that tie a sentence to the one before it, by language (lower case).

`OPENERS` are matched at the start of a passage as whole words (as prefixes in Japanese and
Chinese, which put no space after them): short lists of the words each language opens a
dependent sentence with: connectives, narrative and conversational openers, pronouns and
demonstratives. `POINTING` and `POINTING_WORDS` are demonstratives that point back wherever
they stand in the first sentence, `ALSO` each language's "also".
"""

from __future__ import annotations


def _listed(text: str) -> tuple[str, ...]:
    return tuple(" ".join(w.split()) for w in text.split("|") if w.strip())


OPENERS: dict[str, tuple[str, ...]] = {
    "en": _listed(
        """
        returning | on either | on both | actually | each one | every one of | to make
        matters worse | worse | maybe that | perhaps that | maybe this | perhaps this | but
        hey | by the way | again and again | as it turns out | as it happens | in any case |
        in either case | at any rate | all this | all that | none of this | much of this |
        however | moreover | furthermore | additionally | also | but | and | or | so | yet |
        still | thus | hence | therefore | consequently | accordingly | meanwhile | nevertheless
        | nonetheless | besides | similarly | likewise | conversely | instead | otherwise |
        indeed | then | again | finally | lastly | secondly | thirdly | second | third | in
        addition | in contrast | in turn | in other words | in that case | in this case | as a
        result | as such | as well | for example | for instance | on the other hand | on one
        hand | on the one hand | that said | even so | after all | by contrast | at the same
        time | because of this | due to this | despite this | for this reason | to do this | by
        doing so | as mentioned | as discussed | as noted | as we saw | as shown | as a
        consequence | not only that | on top of that | unlike this | compared to this | here |
        anyway | anyhow | eventually | at first | at last | in the end | in the meantime | fast
        forward | speaking of | yes | no | yeah | yep | nope | enter | presumably | apparently |
        needless to say | in particular | in fact | of course | sure | okay | ok | well | now |
        plus | first | first of all | to begin with | later | afterwards | after that | before
        that | since then | by then | until then | at that point | at that time | for one thing
        | for another | in the first place | in the second place | returning to | to return to |
        back to | either way | regardless | even then | what's more | better yet | worse still |
        alternatively | specifically | namely | as usual | as expected | as before | once again
        | that is | i.e. | e.g. | which | whereupon | to that end | with that | with this | in
        the face of this | in spite of this | if so | if not | not so | nor | hence | all the
        same | one day later | a day later | a few days later | years later | shortly after |
        soon after | soon | the latter | the former | the same | they | them | their | theirs |
        its | he | she | his | her | him | this | these | that | those | such | both | either |
        neither | another | others | the other | each of these | some of these | many of these |
        all of these | one of them | none of them | most of them | among these | among them | of
        these | of those | in this | in these | like this | like these | beyond this | besides
        this | given this | from the other side | on the other side | rather, | firstly |
        most importantly | getting back to | coming back to | going back to | in the process |
        next | more immediately | along the way | on that note | anyways | in a similar way |
        in the same way | in a similar vein | oh well | at this point | granted | for one, |
        similar to our | similar to this | similar to that | similar to these | similar to
        those | we continued | we resumed | we carried on | we kept going | we headed back |
        turns out | it turns out | admittedly | to be sure | true, | as next step |
        as a next step | notice that | notice how | notice i | notice we | notice the
        """
    ),
    "es": _listed(
        """
        además | sin embargo | también | pero | y | o | entonces | por eso | por lo tanto | así
        | esto | este | esta | estos | estas | eso | esa | ese | ello | él | ella | ellos |
        ellas | aun así | no obstante | luego | por ejemplo | en cambio | incluso | porque |
        como cuando | ya que | así que | de hecho | por otro lado | otra | otro | otras | otros |
        algo parecido | algo similar | frente a esto | frente a todo esto | es decir | ahí | todo
        esto | todo eso | lo que sí | en ese caso | en este caso | son | eran | fueron | sino |
        sino que | tampoco | ni siquiera | ni | después de eso | poco después | poco
        tiempo después | tiempo después | años después | días después | más tarde | para el
        resto | lo otro | por otra parte | mientras tanto | al final | finalmente | encima |
        primero | por último | aparte de eso | a todo esto | muchos de ellos | algunos de
        ellos | todos ellos | cada uno de ellos | continuamos | seguimos | volvimos |
        retomamos
        """
    ),
    "pt": _listed(
        """
        além disso | no entanto | também | mas | e | ou | então | por isso | portanto | assim |
        isto | isso | este | esta | esse | essa | ele | ela | eles | elas | por exemplo |
        contudo | a outra | o outro | as outras | os outros | outra | outro | outras | outros |
        depois disso | mais tarde | no ano seguinte | no dia seguinte | nesse | nessa
        | nesses | nessas | neste | nesta | nisso | nisto | daí | aí | enfim | afinal |
        primeiro | por fim | finalmente | ainda assim | mesmo assim | apesar disso | nem |
        porque | pois | muitos deles | alguns deles | todos eles | cada um deles | continuamos
        | seguimos | voltamos | retomamos
        """
    ),
    "fr": _listed(
        """
        cependant | de plus | en outre | aussi | mais | et | ou | donc | ainsi | alors | ceci |
        cela | ça | ce | cette | ces | il | elle | ils | elles | par exemple | pourtant |
        toutefois | néanmoins | en effet | en plus | par contre | en revanche | du coup |
        d'ailleurs | d’ailleurs | ensuite | puis | enfin | bref | sinon | de même | c'est |
        c’est | ce sont | pas | déjà, | nous continuons | nous reprenons | nous avons continué |
        une autre | un autre
        """
    ),
    "de": _listed(
        """
        außerdem | jedoch | aber | und | oder | also | daher | deshalb | trotzdem | dies | diese
        | dieser | dieses | das | er | sie | es | zum beispiel | dennoch | allerdings | darüber
        hinaus | dann | letzteres | letztere | letzterer | ersteres | erstere | ersterer | ok |
        okay | naja | na ja | jedenfalls | übrigens | nochmal | darum | dafür | dazu | danach |
        davon | dadurch | darüber | daran | schließlich | andererseits | hingegen | erst als |
        sicher: | zudem | ebenfalls | stattdessen | immerhin | zumindest | denn | doch | nun
        """
    ),
    "it": _listed(
        """
        inoltre | tuttavia | anche | ma | e | o | quindi | perciò | così | questo | questa |
        questi | queste | ciò | lui | lei | loro | per esempio | però | ecco perché | ecco |
        dopodiché | dopo di che | poi | allora | infatti | invece | comunque | alla fine | infine
        | intanto | nel frattempo | anzi | successivamente | da lì | oltretutto |
        pertanto | dunque | insomma | cioè | ora | qui | lì | l'altro | l'altra | l’altro |
        l’altra | un altro | un'altra | un’altra | altri | altre | gli altri | le altre |
        molti di loro | alcuni di loro | tutti loro | ognuno di loro | molti di questi |
        continuiamo | riprendiamo | ripartiamo | proseguiamo | ritorniamo | da qui
        """
    ),
    "uk": _listed(
        """
        також | але | однак | проте | тому | отже | це | цей | ця | ці | той | та | ті | він |
        вона | воно | вони | крім того | наприклад | і | й | а | тож | до того ж
        """
    ),
    "ru": _listed(
        """
        также | но | однако | поэтому | итак | это | этот | эта | эти | тот | та | те | он | она
        | оно | они | кроме того | например | и | а | тем не менее | во-вторых | в-третьих |
        в-четвертых | в-четвёртых | в-пятых | во-первых | с другой стороны | при этом |
        тем более | к тому же | зато | впрочем | тогда | потом | затем | после этого | ведь |
        даже | же | вот |
        там | тут | здесь | а тут | а там | в итоге | в общем | наконец | кстати | да |
        нет | его | её | ее | их | ему | ей | им | как результат | в результате
        """
    ),
    "ja": _listed(
        """
        とにかく | 特に | 件の | ちなみに | なので | それなら | 結局 |
        また | しかし | さらに | そして | でも | だから | つまり |
        それ | これ | あれ | この | その | あの | そこ | ここ |
        なお | ただし | 一方 | 例えば | たとえば | そのため | それで
        | ところが | とはいえ | もっとも | 彼 | 彼女 | だって | といった | などと
        | など | とか | って | と書 | と言 | という | とある | と思 | として | との
        | ただ、 | いや | 正確には | というわけで | そういうわけで | つわけで | てなわけで
        | ってわけで | 上で | そんな | こちらの | 反対に | 逆に | しかも | まあ | そしたら
        | ところで | で、 | さて | こんな | そういう | あと、 | 下記 | そうして
        | 次に | 最後に | 第二に | 第三に | 著者は | 筆者は
        """
    ),
    "zh": _listed(
        """
        但是 | 但 | 然而 | 此外 | 另外 | 而且 | 并且 | 因此 |
        所以 | 于是 | 这 | 那 | 它 | 他 | 她 | 它们 | 他们 |
        这些 | 那些 | 同时 | 其 | 该 | 例如 | 比如 | 不过 | 可是
        | 而 | 然后 | 又 | 不久后 | 后来 | 说回 | 回到 | 以上 | 说的太好了
        | 说得太好了 | 之后 | 随后 | 接着 | 听完 | 到此 | 另一个 | 另一方面 | 上面
        | 其次 | 再次， | 最后， | 最后一 | 下一个 | 下一步 | 作者 | 本书 | 该书 | 答案是 | 同样
        """
    )
    # "第二是…", "第三，…": an item of a list the text before began.
    + tuple(
        f"第{n}{after}"
        for n in "二三四五六七八九十"
        for after in ("是", "，", "、", "点", "步", "条")
    ),
    "ko": _listed(
        """
        또한 | 하지만 | 그러나 | 그래서 | 따라서 | 그리고 | 이것 |
        그것 | 저것 | 이러한 | 그러한 | 이런 | 그런 | 예를 들어 |
        즉 | 게다가 | 그럼에도 | 그러므로 | 이 | 그 | 저 | 그에 반해 | 그에 반해서 | 이에 반해 |
        이에 반해서 | 반면 | 반면에 | 먼저 | 심지어 | 반대로 | 그러니까 | 그런데 | 그래도 |
        그러면 | 그럼 | 결국 | 또 | 다음으로 | 마지막으로 | 둘째 | 셋째 | 둘째로 | 셋째로 |
        두번째로 | 두 번째로 | 이어서 | 그 후 | 그후 | 이때 | 그때 | 여기서 | 이렇게 | 그렇게 |
        이처럼 | 이와 같이 | 기존
        """
    ),
    "nl": _listed(
        """
        dan | daarna | daarvoor | daarom | daardoor | daarmee | daarbij | daarnaast |
        daarentegen | daarop | toen | maar | en | of | dus | echter | bovendien | verder | even
        verder | ook | hierdoor | hiermee | hiervoor | hierna | deze | dit | die | dat | zo |
        zoals gezegd | eerst | vervolgens | tenslotte | ten slotte | uiteindelijk | bijvoorbeeld |
        trouwens | overigens | toch | nu | ja | nee | hij | zij | ze | zijn | haar | hun | hen |
        daar | hier | anders | tegelijkertijd | ondertussen | intussen | kortom | immers | wel |
        ten tweede | ten derde | tot slot | aan de andere kant | het mooie daarvan
        """
    ),
    "ur": _listed(
        """
        یہ | وہ | اس | ان | اسی | لیکن | اور | تاہم | اس لیے | لہذا | مزید | بھی | چنانچہ | مثال
        کے طور پر
        """
    ),
}
# Languages whose openers stick to the next word (no space): matched as prefixes.
UNSPACED = frozenset({"ja", "zh"})
# Demonstratives that point back wherever they stand in the first sentence, by language.
POINTING = {
    "zh": (
        "这些",
        "那些",
        "这个",
        "那个",
        "这种",
        "那种",
        "类似的",
        # "这本书", "那天", "当时": a book, a day, a time the story named before.
        "这本",
        "这位",
        "这次",
        "那次",
        "那天",
        "那时",
        "这时",
        "当时",
        "此时",
    ),
    "ja": (
        "この",
        "その",
        "これら",
        "それら",
        "あの",
        "そうした",
        "こうした",
        "そういう",
        "こういう",
        "も似て",
        "も同様",
    ),
    "ko": (
        "이러한",
        "그러한",
        "이런",
        "그런",
        "이것",
        "그것",
        # "this much", "as said before", "one more": what the text before set out.
        "이정도",
        "그정도",
        "앞서",
        "앞에서",
        "여기까지",
        "위에서",
        "하나 더",
        "한 가지 더",
        "또 하나",
        "또 다른",
    ),
}
# Demonstrative determiners of spaced languages ("цієї ініціативи", "este proyecto"): the
# thing they point at was named before. Whole words only.
POINTING_WORDS = {
    "uk": frozenset("цей ця цю цієї цього цим цій ці цих цими той ту тієї того тих".split()),
    "ru": frozenset("этот эта эту этой этого этим эти этих тот та ту той того те тех".split()),
    # "Het mooie daarvan is…": "of that" ("dit" and "deze" are also "this week", "now").
    "nl": frozenset(
        "daarvan daarvoor daarmee daarop daarin daaruit daarbij daardoor daarover "
        "hiervan hiervoor hiermee hierop hierin hierdoor hierbij hierover".split()
    ),
    "es": frozenset(
        "este esta estos estas ese esa esos esas aquel aquella aquellos aquellas dicho dicha "
        "ambos ambas".split()
    ),
    "pt": frozenset(
        "este esta estes estas esse essa esses essas aquele aquela aqueles aquelas nesse nessa "
        "nesses nessas neste nesta nestes nestas desse dessa desses dessas deste desta destes "
        "destas naquele naquela daquele daquela".split()
    ),
    "fr": frozenset("ce cet cette ces".split()),
    "de": frozenset("dieser diese dieses diesen diesem".split()),
    "it": frozenset(
        "questo questa questi queste quel quella quei quelle quello quelli codesto codesta".split()
    ),
    "ur": frozenset("اس ان اسی انہی ایسا ایسی ایسے".split()),
}
# "اس بات … کہ …" ("of this: that …"): the demonstrative points at the clause after it.
FORWARD_WORDS = {"ur": ("بات", "کہ")}
# "The study also found…", "Ми також раді…": an addition to something said before.
ALSO = {
    "en": "also",
    "es": "también",
    "pt": "também",
    "fr": "aussi",
    "de": "auch",
    "it": "anche",
    "uk": "також",
    "ru": "также",
    "nl": "ook",
}
# Phrases that point at the text before wherever they stand in the first sentence.
BACK_POINTERS = {
    "ja": (
        "先に挙げ",
        "前述",
        "上記",
        "先述",
        "上述",
        "そうは言って",
        "そうはいって",
        "そうは言う",
        "上でも紹介",
        "上で紹介",
        "下に載せ",
        "下の画像",
        "以下の画像",
        "下記の",
        "以上の",
        "そういうとき",
        "こんなこと",
    ),
    "zh": ("上述", "前面提到", "如上所述", "上面提到", "前文"),
    "fr": (
        "plus haut",
        "ci-dessus",
        "précédemment",
        "comme je l'ai dit",
        "comme je l’ai dit",
        "comme évoqué",
        "comme mentionné",
        "en question",
    ),
    "es": (
        "lo anterior",
        "mencionado anteriormente",
        "mencionada anteriormente",
        "como ya dije",
        "como dije",
        "como vimos",
        "como ya vimos",
        "por su parte",
        "todo esto",
        "todo eso",
    ),
    "pt": (
        "que mencionei",
        "mencionado anteriormente",
        "mencionada anteriormente",
        "como disse",
        "como vimos",
        "áudio acima",
        "vídeo acima",
        "imagem acima",
        "foto acima",
        "texto acima",
        "citado acima",
        "mencionado acima",
        "ano seguinte",
        "dia seguinte",
    ),
    "it": (
        "di cui sopra",
        "come detto",
        "come già detto",
        "come dicevo",
        "sopracitato",
        "suddetto",
        "suddetta",
        "ennesimo",
        "ennesima",
        "la loro",
        "il loro",
        "i loro",
        "le loro",
    ),
    "de": (
        "dabei",
        "hingegen",
        "schon erwähnt",
        "bereits erwähnt",
        "schon einmal erwähnt",
        "wie erwähnt",
        "wie gesagt",
        "wie schon gesagt",
        "oben genannt",
        "weiter oben",
    ),
}
