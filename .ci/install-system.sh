#!/usr/bin/env bash
# System tools the rendering tests need: LibreOffice Writer (docx -> pdf) and Calc (the 整改清单 .xlsx -> pdf), poppler (pdftotext,
# pdftoppm) and a CJK font; headless Chromium for the HTML report screenshot test.
# Installs only what is missing; safe to run again.
set -euo pipefail

have_cjk_font() {
  command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family 2>/dev/null | head -n 1)" ]
}

have_calc() {
  [ -n "$(ls /usr/lib/libreoffice/program/libsclo.so /opt/libreoffice*/program/libsclo.so 2>/dev/null | head -n 1)" ]
}

if command -v soffice >/dev/null 2>&1 && have_calc && command -v pdftoppm >/dev/null 2>&1 \
  && command -v pdftotext >/dev/null 2>&1 && command -v chromium >/dev/null 2>&1 && have_cjk_font; then
  echo "install-system: soffice, poppler, chromium and a CJK font are present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "install-system: not root and no sudo; install libreoffice-writer libreoffice-calc fonts-noto-cjk poppler-utils chromium by hand" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# fonts-arphic-ukai gives previews a Kai face for 楷体 headings; the tests do not need it.
$SUDO apt-get install -y -q --no-install-recommends \
  libreoffice-writer libreoffice-calc poppler-utils fonts-noto-cjk fonts-arphic-ukai fontconfig chromium
command -v soffice >/dev/null && command -v pdftoppm >/dev/null && command -v chromium >/dev/null && have_cjk_font
echo "install-system: installed"
