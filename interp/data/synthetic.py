"""The embedded indoor-CO2 data: one simulated office room with a known truth (DESIGN §3.1).

CO2 follows a mass balance ``dC/dt = g·n(t)/V − λ(t)·(C − C_out)`` driven by an occupancy schedule n(t) and a
latent ventilation rate λ(t). ``pressure`` is a stationary AR(1) decoy with no causal effect on anything.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from interp.config import FEATURES

OUTDOOR_CO2_PPM = 420.0
ROOM_VOLUME_M3 = 150.0
CO2_PER_PERSON_M3_PER_H = 0.02  # ~20 l/h of CO2 per seated adult


def indoor_co2(days: int = 180, seed: int = 0, resolution: str = "1h") -> pd.DataFrame:
    """Simulate ``days`` of one office room.

    Parameters
    ----------
    days : int
        Length of the simulation in days.
    seed : int
        Seed of every random draw; the same seed gives the same frame.
    resolution : str
        Output step (pandas frequency string). The simulation runs at 5 min and is averaged to this step.

    Returns
    -------
    pandas.DataFrame
        Indexed by timestamp (named ``timestamp``), columns in the order of ``interp.config.FEATURES``:
        co2 [ppm], temperature [°C], humidity [%RH], light [lux], occupancy [people], outdoor_temperature [°C],
        pressure [hPa], hour_sin, hour_cos, is_weekday.
    """
    rng = np.random.default_rng(seed)
    dt_h = 5 / 60
    steps_per_day = 24 * 12
    n = days * steps_per_day
    index = pd.date_range("2025-01-06", periods=n, freq="5min", name="timestamp", unit="ns")  # a Monday
    hour = index.hour.to_numpy() + index.minute.to_numpy() / 60.0
    day = np.arange(n) // steps_per_day
    weekday = index.day_of_week.to_numpy() < 5

    occupancy = _occupancy(rng, days, steps_per_day, hour, day, weekday)

    office_hours = weekday & (hour >= 7) & (hour < 19)
    drift = _ar1(rng, days, phi=0.8, sigma=0.15)[day]
    ventilation = np.clip(
        np.where(office_hours, 1.1, 0.35) * (1.0 + drift), 0.15, None
    )  # air changes per hour

    co2 = np.empty(n)
    c = OUTDOOR_CO2_PPM + 30.0
    generation = CO2_PER_PERSON_M3_PER_H * 1e6 / ROOM_VOLUME_M3  # ppm per hour per person
    for t in range(n):
        c += dt_h * (generation * occupancy[t] - ventilation[t] * (c - OUTDOOR_CO2_PPM))
        co2[t] = c
    co2 += rng.normal(0.0, 8.0, n)

    season = np.cos(2 * np.pi * (day - 200) / 365.0)
    outdoor = 8.0 + 10.0 * season + 4.0 * np.sin(2 * np.pi * (hour - 9) / 24) + _ar1(rng, n, 0.995, 0.08)
    heating = np.where(office_hours, 21.5, 18.0)
    temperature = _smooth(heating + 0.04 * (outdoor - 8.0) + 0.12 * occupancy, 0.15) + rng.normal(0, 0.1, n)
    humidity = np.clip(
        35.0 + 8.0 * season + 0.9 * occupancy + _ar1(rng, n, 0.99, 0.25) + rng.normal(0, 0.5, n), 15, 80
    )
    daylight = np.clip(np.sin(np.pi * (hour - 7) / 12), 0, None) * (250 + 150 * season)
    lamps = np.where(occupancy > 0, 350.0, 0.0)
    light = np.clip(daylight + lamps + rng.normal(0, 10.0, n), 0, None)
    pressure = 1013.0 + _ar1(rng, n, 0.995, 0.35)

    frame = pd.DataFrame(
        {
            "co2": co2,
            "temperature": temperature,
            "humidity": humidity,
            "light": light,
            "occupancy": occupancy.astype(float),
            "outdoor_temperature": outdoor,
            "pressure": pressure,
        },
        index=index,
    )
    frame = frame.resample(resolution).mean()
    frame["occupancy"] = frame["occupancy"].round()
    add_calendar_features(frame)
    return frame[list(FEATURES)]


def add_calendar_features(frame: pd.DataFrame) -> None:
    """Add ``hour_sin``, ``hour_cos`` (period 24 h) and ``is_weekday`` (0/1) from the frame's DatetimeIndex."""
    index = frame.index
    hour = index.hour.to_numpy() + index.minute.to_numpy() / 60.0
    frame["hour_sin"] = np.sin(2 * np.pi * hour / 24)
    frame["hour_cos"] = np.cos(2 * np.pi * hour / 24)
    frame["is_weekday"] = (index.day_of_week.to_numpy() < 5).astype(float)


def _occupancy(
    rng: np.random.Generator,
    days: int,
    steps_per_day: int,
    hour: np.ndarray,
    day: np.ndarray,
    weekday: np.ndarray,
) -> np.ndarray:
    """People in the room: a weekday schedule with a lunch dip, absences and meetings; integer counts."""
    team = np.clip(np.round(6.5 + 2.5 * _ar1(rng, days, phi=0.85, sigma=0.5)), 2, 12)  # slowly varying team
    busy = rng.random(days) < 0.15
    headcount = np.where(busy, team + rng.integers(3, 7, days), team)
    arrive = 8.0 + rng.random(days) + rng.normal(0, 0.2, days)
    leave = 17.0 + rng.random(days) + rng.normal(0, 0.2, days)
    meeting_start = 10.0 + 5.0 * rng.random(days)
    has_meeting = rng.random(days) < 0.3
    present = (hour >= arrive[day]) & (hour < leave[day])
    lunch = (hour >= 12.0) & (hour < 13.0)
    people = np.where(present, headcount[day], 0)
    people = np.where(present & lunch, np.round(people * 0.4), people)
    meeting = has_meeting[day] & (hour >= meeting_start[day]) & (hour < meeting_start[day] + 1.5)
    people = np.where(meeting & present, people + 6, people)
    weekend_visit = (~weekday) & (rng.random(days) < 0.1)[day] & (hour >= 10) & (hour < 14)
    people = np.where(weekday, people, np.where(weekend_visit, 2, 0))
    absences = rng.binomial(people.astype(int), 0.1)
    return np.clip(people - absences, 0, None).astype(float)


def _ar1(rng: np.random.Generator, n: int, phi: float, sigma: float) -> np.ndarray:
    """A stationary, mean-zero AR(1) series of length ``n``."""
    out = np.empty(n)
    noise = rng.normal(0.0, sigma, n)
    out[0] = noise[0] / np.sqrt(1 - phi**2)
    for t in range(1, n):
        out[t] = phi * out[t - 1] + noise[t]
    return out


def _smooth(values: np.ndarray, alpha: float) -> np.ndarray:
    """First-order lag (exponential smoothing) of a series: thermal inertia."""
    out = np.empty_like(values)
    out[0] = values[0]
    for t in range(1, len(values)):
        out[t] = out[t - 1] + alpha * (values[t] - out[t - 1])
    return out
