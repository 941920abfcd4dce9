// The catalogue's filters sit behind a "Filter" toggle (a details element), so that on a
// phone the sessions come first. On a wider screen, where they stand beside the sessions,
// they are opened. Without JavaScript the stylesheet shows them there (where the browser
// can style a details element's content), and the toggle still opens them.
const wide = window.matchMedia('(min-width: 40.0625em)')
for (const filters of document.querySelectorAll('[data-app-catalogue-filters]')) {
  const follow = () => {
    if (wide.matches) filters.open = true
  }
  follow()
  wide.addEventListener('change', follow)
}
