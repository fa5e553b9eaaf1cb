"""Dialogs of the main window: settings, the persons behind a number, the bulletin draft."""
