// Loaded at the top of <body>, before anything is drawn, as GOV.UK Frontend asks: marks the
// page so its JavaScript-only styles apply. A file, not an inline script, for the CSP.
document.body.className +=
  ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '')
