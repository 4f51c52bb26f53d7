"""Capital-goods firms (K-firms): machines made with labour only ([A] sec. 2.2).

Output ``Y_K = min(planned, alpha_K L)``; machines wait in inventory until a C-firm's
order takes them. Price and quantity follow the same review rules as C-firms
(:class:`arena.sectors.firms.FirmSector`) against the mean K-price; the demand signal is
the machines C-firms ordered from the firm since its last review. Unit cost = wage / alpha_K.
"""

from __future__ import annotations

import numpy as np

from arena.sectors.corporate import workers_wanted
from arena.sectors.firms import FirmSector


class CapitalFirms(FirmSector):
    """Capital-goods firms (see module doc); same attributes as :class:`FirmSector`.

    A K-firm smooths its production against the lumps in its orders (production smoothing:
    Holt, Modigliani, Muth & Simon 1960; Blinder & Maccini 1991; for capital goods made to
    order, Nalewaik & Pinto 2012): it averages the machines ordered over
    ``capital_goods_smoothing`` ticks and closes its inventory gap over as many, so its stock
    of machines and its unfilled orders (C-firms' ``k_order``), not its workforce, take up a
    C-firm's order arriving at a review or moving to another supplier. The default, 60 ticks
    (three months), is the order of the backlog of core capital goods in the Census M3 survey
    (about three months of shipments); it brings K-firms' gross job destruction to about
    6 % of jobs a quarter (dismissals plus quits, measured), against 5.5 % in US
    manufacturing (Davis, Haltiwanger & Schuh 1996), where one review interval (20 ticks)
    gave 13 %.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.hold_tick0_price(self.compute_unit_cost())

    @property
    def demand_memory(self) -> float:
        """Ticks over which orders are averaged and the inventory gap closed: ``capital_goods_smoothing``."""
        return self.config.capital_goods_smoothing

    def capacity(self) -> np.ndarray:
        """Machines the firm can make this tick: ``min(planned, alpha_K L h_max)`` (``max_hours``)."""
        labour = self.firm_productivity * self.workers * self.config.max_hours
        return np.where(self.alive, np.minimum(self.planned, labour), 0.0)

    def labour_used(self) -> np.ndarray:
        """Labour the last output took, in workers at standard hours: ``y / alpha_K``."""
        return self.output / self.firm_productivity

    def set_labour_demand(self) -> None:
        """Workers wanted: the headcount target (:meth:`headcount_target`) for ``planned / alpha_K``."""
        want = self.planned / self.firm_productivity
        self.labour_demand = workers_wanted(self.headcount_target(want), self.alive)

    def compute_unit_cost(self) -> np.ndarray:
        """Return the unit cost ``wage / alpha_K`` (currency/machine)."""
        return self.wage / self.firm_productivity

    def produce(self) -> float:
        """Make machines into inventory; returns the total made (units)."""
        made = self.capacity()
        self.output = made
        self.record_hours(self.labour_used())
        self.inventory += made
        self.output_acc += made
        return float(made.sum())
