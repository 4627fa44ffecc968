"""Steering of a convention between two comités de pilotage: bodies, meetings, decisions, dashboard, reminders."""
