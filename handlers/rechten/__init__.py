"""Rechten van de betrokkene (AVG art. 15-17): inzage, correctie, verwijdering."""
