// Formatting shared by the views: times in the iteration's time zone, as the bot and the CLI
// write them (src/engine/messages.ts formatLocalTime): `2025-03-08 02:15 CET`.

const formats = new Map();

function formatFor(timeZone) {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    formats.set(timeZone, format);
  }
  return format;
}

/** `yyyy-MM-dd HH:mm ZONE` in `timeZone`; '' for no time. */
export function formatLocalTime(value, timeZone) {
  if (!value) return '';
  const parts = Object.fromEntries(
    formatFor(timeZone)
      .formatToParts(new Date(value))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${parts.timeZoneName}`;
}

/** `HH:mm` in `timeZone`. */
export function formatClock(value, timeZone) {
  return formatLocalTime(value, timeZone).slice(11, 16);
}

/** A duration in minutes as `2 h 05 min` or `45 min`. */
export function formatMinutes(minutes) {
  if (minutes === null || minutes === undefined) return '';
  const whole = Math.max(0, Math.floor(minutes));
  if (whole < 60) return `${whole} min`;
  return `${Math.floor(whole / 60)} h ${String(whole % 60).padStart(2, '0')} min`;
}

/** Creates an element: el('td', { class: 'x', text: 'y' }, child, …). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = value;
    else if (name === 'class') node.className = value;
    // Through the CSSOM: the page's CSP refuses style attributes.
    else if (name === 'style') node.style.cssText = value;
    else if (name.startsWith('on') && typeof value === 'function')
      node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
