"""YiChuang (一窗通): the counter client for government service halls."""

__version__ = "0.1.0"
