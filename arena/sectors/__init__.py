"""Sectors of Economy v2: each module holds one sector's arrays and its decisions.

A sector never reaches into another sector's arrays; markets (``arena.markets``) move
money between sectors and record each flow once.
"""
