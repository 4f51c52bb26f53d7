"""Sectors of the economy: one module per sector, its arrays and its decisions.

:mod:`arena.sectors.firms` holds the consumption-goods firms (C-firms) and the rules both
firm types share; :mod:`arena.sectors.kfirms` the capital-goods firms (K-firms);
:mod:`arena.sectors.corporate` payments, default and entry of the whole corporate sector
and the tick-0 calibration; :mod:`arena.sectors.banks` the banks (their parameters in
:mod:`arena.sectors.bank_params`). A sector never reaches into another sector's arrays;
markets (``arena.markets``) move money between sectors and record each flow once.
"""
