"""The Telegram admin chat (`[admin]`): posts waiting for approval are asked about there
with Approve / Skip buttons, problems are told as they happen, and a digest comes daily.

    chat.py     the daemon's side: the outbox pump, the long poll, the periodic look
    client.py   the bot (python-telegram-bot): send, edit, answer a press, get presses
    alerts.py   which log events become alerts, and what they say
    texts.py    what an approval question and its answer say
"""
