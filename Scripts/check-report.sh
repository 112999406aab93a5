#!/usr/bin/env bash
# Renders a Suanli HTML report in headless Chromium (Debian's `chromium`) and checks it:
#   - the page loads and renders (a screenshot is taken),
#   - the browser logs no console message (the page has no script: any message is an error),
#   - every roofline chart in the rendered DOM holds as many points as it declares (data-points),
#     and one ceiling per memory level it declares (data-levels: L1, L2, …, DRAM from the cache sweep),
#   - every working-set chart (cache bandwidth, memlat latency) holds its declared points and plateaus,
#   - at least one chart has points,
#   - every efficiency chart and burn timeline holds as many bars / intervals as it declares.
#   - every comparison chart (runs made with --baseline) draws as many intervals and threshold
#     bands as it declares (data-intervals).
#   - a history page (report --history): every trend chart draws its declared points, its median
#     line and p10-p90 band, and one mark per declared change (instead of the checks above).
# Usage: Scripts/check-report.sh REPORT.html [SCREENSHOT.png]
set -euo pipefail
report=$(realpath "$1")
shot=${2:-${report%.html}.png}
command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars)
log=$(mktemp)
timeout 120 chromium "${flags[@]}" --enable-logging=stderr --v=0 --window-size=1200,1600 --screenshot="$shot" "file://$report" >/dev/null 2>"$log"
[ -s "$shot" ] || { echo "check-report: no screenshot rendered" >&2; exit 1; }
# Chromium logs every console message as INFO:CONSOLE, whatever its level; the report has no
# script, so any console message at all (an error, a blocked resource) fails the check.
if grep -qE ':CONSOLE|Uncaught' "$log"; then
  echo "check-report: console messages:" >&2; grep -E ':CONSOLE|Uncaught' "$log" >&2; exit 1
fi
# The rendered DOM goes through a file: a long page does not fit in an argument list.
dom=$(mktemp)
timeout 120 chromium "${flags[@]}" --dump-dom "file://$report" 2>/dev/null >"$dom"
python3 - "$dom" <<'PY'
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
def count(pattern, body):
    return len(re.findall(pattern, body))
# A history page (report --history): every trend chart draws its declared points, a median line
# and a p10-p90 band (two runs or more), and one mark per declared change.
if 'class="history-page"' in dom:
    trends = re.findall(r'<svg class="trend-chart"([^>]*)>(.*?)</svg>', dom, re.S)
    if not trends:
        sys.exit("check-report: a history page without trend charts")
    points = marks = 0
    for attributes, body in trends:
        declared = int(re.search(r'data-points="(\d+)"', attributes).group(1))
        changes = int(re.search(r'data-changes="(\d+)"', attributes).group(1))
        drawn = count(r'<circle class="point', body)
        if drawn != declared:
            sys.exit("check-report: a trend chart declares %d points but renders %d" % (declared, drawn))
        if declared >= 2 and (count(r'<polyline class="trend"', body) != 1 or count(r'<polygon class="band"', body) != 1):
            sys.exit("check-report: a trend chart of %d points lacks its line or its p10-p90 band" % declared)
        if count(r'<text class="mark', body) != changes:
            sys.exit("check-report: a trend chart declares %d changes but marks %d" % (changes, count(r'<text class="mark', body)))
        points += drawn
        marks += changes
    if points == 0:
        sys.exit("check-report: the trend charts hold no point")
    print("check-report: history page, %d trend chart(s), %d points, %d marked change(s), no console errors" % (len(trends), points, marks))
    sys.exit(0)
charts = re.findall(r'<svg class="roofline-chart"([^>]*)>(.*?)</svg>', dom, re.S)
if not charts:
    sys.exit("check-report: no roofline chart in the rendered page")
total = levels = 0
for attributes, body in charts:
    declared = int(re.search(r'data-points="(\d+)"', attributes).group(1))
    points = count(r'<circle class="point', body)
    if points != declared:
        sys.exit("check-report: a roofline chart declares %d points but renders %d" % (declared, points))
    declared_levels = re.search(r'data-levels="(\d+)"', attributes)
    drawn_levels = count(r'<polyline class="ceiling level', body)
    if declared_levels and int(declared_levels.group(1)) != drawn_levels:
        sys.exit("check-report: a roofline chart declares %s memory levels but draws %d ceilings" % (declared_levels.group(1), drawn_levels))
    total += points
    levels += drawn_levels
# Working-set sweeps (cache bandwidth, memlat latency): every declared point and plateau drawn.
sweeps = re.findall(r'<svg class="sweep-chart"([^>]*)>(.*?)</svg>', dom, re.S)
for attributes, body in sweeps:
    suite = re.search(r'data-suite="([^"]+)"', attributes).group(1)
    declared = int(re.search(r'data-points="(\d+)"', attributes).group(1))
    points = count(r'<circle class="point', body)
    if points != declared or points == 0:
        sys.exit("check-report: the %s chart declares %d points but renders %d" % (suite, declared, points))
    plateaus = int(re.search(r'data-plateaus="(\d+)"', attributes).group(1))
    if count(r'<line class="plateau"', body) != plateaus:
        sys.exit("check-report: the %s chart declares %d plateaus but draws %d" % (suite, plateaus, count(r'<line class="plateau"', body)))
    total += points
if total == 0:
    sys.exit("check-report: the charts hold no measured point")
if 'class="ceiling' not in dom:
    sys.exit("check-report: no measured ceiling line")
# Comparison charts (runs made with --baseline): every declared interval is drawn, with its band.
compared = 0
for declared, body in re.findall(r'<svg class="comparison-chart"[^>]*data-intervals="(\d+)"[^>]*>(.*?)</svg>', dom, re.S):
    lines = re.findall(r'<line class="change-interval[^"]*"[^>]*x1="([-\d.]+)"[^>]*x2="([-\d.]+)"', body)
    bands = len(re.findall(r'<rect class="change-band"', body))
    if len(lines) != int(declared) or bands != int(declared):
        sys.exit("check-report: a comparison chart declares %s intervals but renders %d (%d bands)" % (declared, len(lines), bands))
    if any(float(x2) < float(x1) for x1, x2 in lines):
        sys.exit("check-report: an interval is drawn backwards")
    compared += len(lines)
# Energy: efficiency bars and burn timelines hold what they declare.
bars = re.findall(r'<svg class="efficiency-chart"[^>]*data-bars="(\d+)"[^>]*>(.*?)</svg>', dom, re.S)
for declared, body in bars:
    if len(re.findall(r'<rect class="bar', body)) != int(declared):
        sys.exit("check-report: an efficiency chart declares %s bars but renders another number" % declared)
timelines = re.findall(r'<svg class="burn-timeline"[^>]*data-intervals="(\d+)"[^>]*>(.*?)</svg>', dom, re.S)
for declared, body in timelines:
    if len(re.findall(r'<circle class="interval', body)) != int(declared):
        sys.exit("check-report: a burn timeline declares %s intervals but renders another number" % declared)
print("check-report: %d roofline chart(s) with %d memory-level ceilings, %d working-set chart(s), %d measured points rendered, "
      "%d efficiency chart(s), %d burn timeline panel(s), %d compared intervals, no console errors"
      % (len(charts), levels, len(sweeps), total, len(bars), len(timelines), compared))
PY
echo "screenshot: $shot"
