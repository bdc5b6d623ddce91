// A view's own style sheet (/tab/static/views/<name>.css), added to the page once and waited for,
// so a view never shows unstyled. A sheet that fails to load does not block the view.
import { el } from '../format.js';

export function loadViewStyles(name) {
  const id = `${name}-css`;
  const existing = document.getElementById(id);
  if (existing?.dataset.loaded) return Promise.resolve();
  return new Promise((resolve) => {
    const link = existing ?? el('link', { id, rel: 'stylesheet', href: `/tab/static/views/${name}.css` });
    const done = () => {
      link.dataset.loaded = 'true';
      resolve();
    };
    link.addEventListener('load', done, { once: true });
    link.addEventListener('error', done, { once: true });
    if (!existing) document.head.append(link);
  });
}
