"""Voice announcements: 请A015号到3号窗口 read aloud from recorded clips (or a TTS
engine), one announcement at a time.

numbers.py   pure: how Chinese reads ticket and window numbers
clips.py     pure sequencing, WAV clips, the clip library (shipped / cached / generated)
players.py   playing audio: a file-writing player for tests, platform players
announcer.py the queue that keeps two calls from talking over each other
"""
