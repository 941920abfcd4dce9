"""Check that the system libraries WeasyPrint needs (for the PDFs) are installed.

Run with the project's virtual environment (`make install` does): WeasyPrint loads Pango,
HarfBuzz and fontconfig from the system when it is imported, so an import and one tiny
PDF prove they are there. Exits non-zero with the packages to install when they are not.
"""

import shutil
import subprocess
import sys
import warnings

DEBIAN_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"
# Ubuntu's list in WeasyPrint's install notes adds libharfbuzz0b, which Debian pulls in anyway.
UBUNTU_PACKAGES = "libpango-1.0-0 libharfbuzz0b libpangoft2-1.0-0 libharfbuzz-subset0"
FONT_PACKAGES = "fonts-liberation fonts-dejavu-core"
MIN_PANGO = (1, 44)


def fail(problem: str) -> None:
    print(
        f"\nCoursebook makes its PDFs (invoices, certificates, reports) with WeasyPrint, "
        f"which needs system libraries:\n  {problem}\n\n"
        f"On Debian 11+ install them with:\n"
        f"  sudo apt-get install {DEBIAN_PACKAGES} {FONT_PACKAGES}\n"
        f"On Ubuntu 20.04+:\n"
        f"  sudo apt-get install {UBUNTU_PACKAGES} {FONT_PACKAGES}\n"
        f"Elsewhere, see https://doc.courtbouillon.org/weasyprint/stable/first_steps.html\n",
        file=sys.stderr,
    )
    sys.exit(1)


def main() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            import weasyprint
            from weasyprint.text.ffi import harfbuzz_subset, pango
        except OSError as error:  # a library that could not be loaded
            fail(f"WeasyPrint could not load a library: {error}")
        except ImportError as error:
            print(f"WeasyPrint is not installed in this environment ({error}): run make install")
            sys.exit(1)

    version = pango.pango_version()
    found = (version // 10000, version // 100 % 100)
    if found < MIN_PANGO:
        fail(f"Pango {found[0]}.{found[1]} is installed; WeasyPrint needs Pango >= 1.44.")
    if harfbuzz_subset is None:
        fail("libharfbuzz-subset is missing (WeasyPrint uses it to embed font subsets).")
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)

    fc_list = shutil.which("fc-list")
    if fc_list:
        # A fixed command found on PATH, no input from anyone.
        listing = subprocess.run([fc_list], capture_output=True, text=True, check=False)  # noqa: S603
        fonts = listing.stdout
        if not fonts.strip():
            fail("no fonts are installed, so PDFs would have no text.")

    pdf = weasyprint.HTML(string="<p>Coursebook</p>").write_pdf()
    if not pdf.startswith(b"%PDF"):
        fail("WeasyPrint ran but did not produce a PDF.")
    print(
        f"WeasyPrint {weasyprint.__version__} with Pango {found[0]}.{found[1]}: "
        "system libraries OK"
    )


if __name__ == "__main__":
    main()
