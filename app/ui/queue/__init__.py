"""The hall queue's screens: kiosk, hall display, manager view, counter panel."""
