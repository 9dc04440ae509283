"""Telling people things: the outbox, e-mail, text messages, templates and the scheduler."""
