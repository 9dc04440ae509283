// The district map (STA-1), drawn from the towns' stored outlines: an equirectangular
// projection at the district's latitude, fitted into the SVG's view box.
import { s } from "./dom.js";

const WIDTH = 1000;
const PAD = 24;

function projection(towns) {
  const points = towns.flatMap((town) => town.outline);
  const lngs = points.map((p) => p.lng);
  const lats = points.map((p) => p.lat);
  const minLng = Math.min(...lngs);
  const maxLat = Math.max(...lats);
  const kx = Math.cos((((Math.min(...lats) + maxLat) / 2) * Math.PI) / 180);
  const spanX = (Math.max(...lngs) - minLng) * kx;
  const spanY = maxLat - Math.min(...lats);
  const scale = (WIDTH - 2 * PAD) / spanX;
  const project = (p) => [PAD + (p.lng - minLng) * kx * scale, PAD + (maxLat - p.lat) * scale];
  return { project, height: Math.ceil(spanY * scale + 2 * PAD) };
}

function path(points, project) {
  return `${points
    .map((p, n) => {
      const [x, y] = project(p);
      return `${n ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(" ")} Z`;
}

/**
 * The map as an SVG element. ``onSelect(town)`` is called when a town is pointed at,
 * touched or chosen with the keyboard; ``select(code)`` marks a town and its villages.
 */
export function districtMap(towns, onSelect) {
  const { project, height } = projection(towns);
  const areas = new Map();
  const svg = s("svg", {
    class: "map",
    viewBox: `0 0 ${WIDTH} ${height}`,
    role: "group",
    "aria-label": "斗门区地图：点按镇（街道）查看其村（居）办事点",
  });
  const dots = s("g", { class: "village-dots", "aria-hidden": "true" });
  towns.forEach((town, n) => {
    const shape = s("path", {
      d: path(town.outline, project),
      class: `town-area tone-${n % 6}`,
      role: "button",
      tabindex: "0",
      "aria-pressed": "false",
      "aria-label": `${town.name}，${town.villages.length}个村（居）办事点`,
      "data-town": town.code,
    });
    shape.addEventListener("pointerenter", (event) => {
      if (event.pointerType === "mouse") onSelect(town);
    });
    shape.addEventListener("click", () => onSelect(town));
    shape.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        onSelect(town);
      }
    });
    areas.set(town.code, shape);
    svg.append(shape);
  });
  svg.append(dots);
  for (const town of towns) {
    const [x, y] = project(town.point);
    svg.append(
      s("text", { x: x.toFixed(1), y: y.toFixed(1), class: "town-label", "aria-hidden": "true" }, town.name),
    );
  }
  function select(code) {
    for (const [townCode, shape] of areas) {
      shape.setAttribute("aria-pressed", String(townCode === code));
    }
    dots.replaceChildren();
    const town = towns.find((t) => t.code === code);
    if (!town) return;
    for (const village of town.villages) {
      const [x, y] = project(village.point);
      dots.append(s("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: "10", class: "village-dot" }));
    }
  }
  return { svg, select };
}
