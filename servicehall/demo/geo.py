"""Plane geometry for the demo map: town outlines that tile the district, village points
inside them.

The demo district's outline is a polygon of longitude/latitude pairs; each town owns the
part of it nearer to its seed point than to any other (a Voronoi cell clipped to the
district), so the outlines share their borders exactly and cover the district without
gaps. Distances use an equirectangular projection at the district's latitude, which is
exact enough at district scale (~40 km).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

Point = tuple[float, float]
Polygon = list[Point]


def _scale(latitude: float) -> float:
    """Kilometre-ish x scale of a degree of longitude relative to one of latitude."""
    return math.cos(math.radians(latitude))


def clip(polygon: Sequence[Point], keep: Point, other: Point, kx: float) -> Polygon:
    """The part of ``polygon`` at least as near to ``keep`` as to ``other``
    (Sutherland-Hodgman against their perpendicular bisector)."""

    def side(p: Point) -> float:
        # > 0 on keep's side: |p-other|^2 - |p-keep|^2 in the projected plane
        return (
            ((p[0] - other[0]) * kx) ** 2
            + (p[1] - other[1]) ** 2
            - ((p[0] - keep[0]) * kx) ** 2
            - (p[1] - keep[1]) ** 2
        )

    result: Polygon = []
    for n, current in enumerate(polygon):
        previous = polygon[n - 1]
        s_prev, s_cur = side(previous), side(current)
        if (s_prev >= 0) != (s_cur >= 0):
            t = s_prev / (s_prev - s_cur)
            result.append(
                (
                    previous[0] + t * (current[0] - previous[0]),
                    previous[1] + t * (current[1] - previous[1]),
                )
            )
        if s_cur >= 0:
            result.append(current)
    return result


def cells(outline: Sequence[Point], seeds: Sequence[Point], *, digits: int = 5) -> list[Polygon]:
    """Each seed's part of ``outline``, rounded to ``digits`` decimals (about 1 m)."""
    kx = _scale(sum(p[1] for p in outline) / len(outline))
    result = []
    for n, seed in enumerate(seeds):
        cell: Polygon = list(outline)
        for m, other in enumerate(seeds):
            if m != n:
                cell = clip(cell, seed, other, kx)
        rounded: Polygon = []
        for x, y in cell:
            point = (round(x, digits), round(y, digits))
            if not rounded or rounded[-1] != point:
                rounded.append(point)
        if len(rounded) > 1 and rounded[0] == rounded[-1]:
            rounded.pop()
        result.append(rounded)
    return result


def contains(polygon: Sequence[Point], point: Point) -> bool:
    """Even-odd rule: is ``point`` inside ``polygon``?"""
    x, y = point
    inside = False
    for n, (x1, y1) in enumerate(polygon):
        x0, y0 = polygon[n - 1]
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def area(polygon: Sequence[Point]) -> float:
    """Signed shoelace area in square degrees (positive when counter-clockwise)."""
    return (
        sum(
            x0 * y1 - x1 * y0
            for (x0, y0), (x1, y1) in zip(polygon, [*polygon[1:], polygon[0]], strict=True)
        )
        / 2
    )


def scatter(
    polygon: Sequence[Point], count: int, rng: random.Random, *, margin: float = 0.006
) -> list[Point]:
    """``count`` points inside ``polygon``, spread apart and away from its border."""
    xs, ys = [p[0] for p in polygon], [p[1] for p in polygon]
    kx = _scale(sum(ys) / len(ys))
    spacing = math.sqrt(abs(area(polygon)) * kx / max(count, 1)) * 0.55
    points: list[Point] = []
    for attempt in range(20000):
        candidate = (rng.uniform(min(xs), max(xs)), rng.uniform(min(ys), max(ys)))
        if not contains(polygon, candidate) or _border_distance(polygon, candidate, kx) < margin:
            continue
        near = spacing * (1 - attempt / 20000)  # relax if the polygon is crowded
        if all(math.hypot((candidate[0] - p[0]) * kx, candidate[1] - p[1]) >= near for p in points):
            points.append((round(candidate[0], 5), round(candidate[1], 5)))
            if len(points) == count:
                return points
    raise ValueError(f"could not place {count} points in the polygon")


def _border_distance(polygon: Sequence[Point], point: Point, kx: float) -> float:
    best = math.inf
    px, py = point[0] * kx, point[1]
    for n, (x1, y1) in enumerate(polygon):
        x0, y0 = polygon[n - 1]
        ax, ay, bx, by = x0 * kx, y0, x1 * kx, y1
        dx, dy = bx - ax, by - ay
        length = dx * dx + dy * dy
        t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length))
        best = min(best, math.hypot(px - ax - t * dx, py - ay - t * dy))
    return best
