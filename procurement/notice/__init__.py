"""Telling people of procurement's events: who is told of each (never anyone outside the
organisations and hub it concerns), what, and which page the message leads to."""
