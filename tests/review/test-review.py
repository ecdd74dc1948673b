#!/usr/bin/env python3
# emocap tests: an actor's review site, opened as the actor would, in a
# browser (headless Chromium, network off), from the folder.
#
# Copyright (C) 2026 emocap developers
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A two-actor archive is recorded (test cameras, test sound): actor A's
# session has a prompt written to break out of the page; actor B's has
# names and a prompt that must never reach A's page.  A's takes are
# exported once, one is withdrawn, then A's site is written and checked:
#
#  - in Chromium, over the DevTools protocol on a pipe: a screenshot; no
#    console error, exception, dialog or network request; every image
#    loads (naturalWidth > 0); every review copy reaches readyState >= 2
#    and its currentTime advances when played;
#  - nothing of actor B in any file of the site;
#  - the script's hostile prompt shows as text;
#  - `emocap detect` on a review copy names its take;
#  - written again, the site shows the withdrawal and keeps the copies.

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

EMOCAP = os.environ.get("EMOCAP", "build/recorder/cli/emocap")
SOURCE = os.environ.get("EMOCAP_SOURCE_ROOT", ".")

XSS_PROMPT = 'Smile <script>alert(1)</script> "><img src=x onerror="alert(2)"> & go'
B_STRINGS = ["actor-0077", "Jordan Blake", "Bravo secret prompt 7Q", "rev-b", "B-CONTRACT-77"]

failures = 0
count = 0


def ok(cond, what, detail=""):
    global failures, count
    count += 1
    if cond:
        print(f"ok {count} - {what}")
    else:
        failures += 1
        print(f"not ok {count} - {what}")
        if detail:
            for line in str(detail).splitlines()[:60]:
                print(f"#   {line}")
    return cond


def emocap(*args, check=True, cwd=None):
    p = subprocess.run([EMOCAP, *args], capture_output=True, text=True, cwd=cwd)
    if check and p.returncode != 0:
        sys.exit(f"emocap {' '.join(args)}: exit {p.returncode}\n{p.stdout}{p.stderr}")
    return p


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def sha256(path):
    import hashlib
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def record(work, archive, session, actor, name, contract, takes, audio="test:sine"):
    script = {
        "emocap": 1, "session": session, "studio": "Northlight Casting",
        "operator": "op-review", "actor": {"id": actor, "name": name},
        "contract": os.path.basename(contract),
        "cameras": [{"id": "front", "device": "test:smpte", "width": 1280, "height": 720}],
        "audio": {"device": audio},
        "takes": takes,
    }
    sdir = os.path.join(work, session)
    os.makedirs(sdir)
    shutil.copy(contract, sdir)
    write(os.path.join(sdir, "script.json"), json.dumps(script, indent=2))
    contract_doc = json.load(open(contract))
    write(os.path.join(sdir, "consent.json"), json.dumps({
        "actor": actor, "contract": contract_doc["contract"],
        "contract_sha256": sha256(contract), "emotions": "all"}))
    emocap("record", os.path.join(sdir, "script.json"), "--archive", archive, "--auto",
           "--consent-file", os.path.join(sdir, "consent.json"))


# ----- the browser -----

class Browser:
    """Headless Chromium driven over --remote-debugging-pipe (fds 3 and 4)."""

    def __init__(self, profile):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def fds():
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if chromium is None:
            sys.exit("chromium is not installed: scripts/install-deps --tests installs it")
        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu",
             "--remote-debugging-pipe", f"--user-data-dir={profile}",
             "--no-first-run", "--no-default-browser-check", "--mute-audio",
             "--autoplay-policy=no-user-gesture-required",
             # network off: every fetch goes to a proxy that is not there
             "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
             "--window-size=1200,1600", "about:blank"],
            pass_fds=(3, 4), preexec_fn=fds, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def _read(self, deadline):
        import select
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the browser did not answer")
            r, _, _ = select.select([self.from_chrome], [], [], left)
            if r:
                chunk = os.read(self.from_chrome, 1 << 20)
                if not chunk:
                    raise EOFError("the browser closed its pipe")
                self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None, timeout=120):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            m = self._read(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, name, timeout=120):
        deadline = time.monotonic() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e.get("method") == name:
                    return self.events.pop(i)
            self.events.append(self._read(deadline))

    def close(self):
        try:
            self.call("Browser.close", timeout=10)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


PAGE_CHECK = r"""
(async () => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const imgs = Array.from(document.images).map(i => ({
    src: i.getAttribute('src'), complete: i.complete, width: i.naturalWidth}));
  const vids = [];
  for (const v of document.querySelectorAll('video')) {
    let t = Date.now();
    while (v.readyState < 2 && !v.error && Date.now() - t < 60000) await sleep(50);
    const ready = v.readyState;
    v.muted = true;
    let playError = null;
    try { await v.play(); } catch (e) { playError = String(e); }
    const start = v.currentTime;
    let advanced = false;
    t = Date.now();
    while (Date.now() - t < 60000) {
      if (v.currentTime > start + 0.1) { advanced = true; break; }
      if (v.error || v.ended) break;
      await sleep(50);
    }
    v.pause();
    vids.push({src: v.getAttribute('src'), readyState: ready, advanced, playError,
               error: v.error ? v.error.code : null});
  }
  return JSON.stringify({imgs, vids, text: document.body.innerText, title: document.title});
})()
"""


def check_in_browser(site, shot, profile):
    b = Browser(profile)
    try:
        targets = b.call("Target.getTargets")["targetInfos"]
        pages = [t for t in targets if t["type"] == "page"]
        target = pages[0]["targetId"] if pages else \
            b.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        s = b.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            b.call(f"{domain}.enable", session=s)
        url = "file://" + os.path.join(os.path.abspath(site), "index.html")
        b.call("Page.navigate", {"url": url}, session=s)
        b.wait_event("Page.loadEventFired")
        result = b.call("Runtime.evaluate", {"expression": PAGE_CHECK, "awaitPromise": True,
                                             "returnByValue": True}, session=s, timeout=600)
        if "exceptionDetails" in result:
            raise RuntimeError(f"the check script failed: {result['exceptionDetails']}")
        report = json.loads(result["result"]["value"])
        png = base64.b64decode(b.call("Page.captureScreenshot",
                                      {"format": "png", "captureBeyondViewport": True},
                                      session=s)["data"])
        with open(shot, "wb") as f:
            f.write(png)
        # what came in while the page ran
        try:
            b.call("Runtime.evaluate", {"expression": "1"}, session=s)
        except Exception:
            pass
        events = list(b.events)
    finally:
        b.close()

    problems = []
    for e in events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            problems.append(f"console {p['type']}: {p.get('args')}")
        elif m == "Runtime.exceptionThrown":
            problems.append(f"exception: {p.get('exceptionDetails')}")
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            problems.append(f"log error: {p['entry'].get('text')} {p['entry'].get('url', '')}")
        elif m == "Page.javascriptDialogOpening":
            problems.append(f"a dialog opened: {p.get('message')}")
    requests = [e["params"]["request"]["url"] for e in events
                if e.get("method") == "Network.requestWillBeSent"]
    return report, png, problems, requests


# ----- the scenario -----

def main():
    work = tempfile.mkdtemp(prefix="emocap-review-")
    try:
        run(work)
    finally:
        if failures == 0:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"# kept for a look: {work}")
    print(f"1..{count}")
    return 1 if failures else 0


def run(work):
    archive = os.path.join(work, "archive")
    contract_a = os.path.join(SOURCE, "scripts", "demo-session", "contract.json")
    contract_b = os.path.join(work, "contract-b.json")
    doc = json.load(open(contract_a))
    doc["contract"] = "B-CONTRACT-77"
    doc["parties"]["performer"] = "actor-0077"
    write(contract_b, json.dumps(doc, indent=2))

    record(work, archive, "rev-a", "actor-0042", "Sam Rivera", contract_a, [
        {"emotion": "joy", "intensity": "strong", "prompt": XSS_PROMPT, "seconds": 2},
        {"emotion": "anger", "prompt": "The call you dreaded.", "seconds": 2},
    ])
    # a second session of A's, without sound
    record(work, archive, "rev-a2", "actor-0042", "Sam Rivera", contract_a, [
        {"emotion": "calm", "prompt": "Breathe.", "seconds": 1},
    ], audio="none")
    record(work, archive, "rev-b", "actor-0077", "Jordan Blake", contract_b, [
        {"emotion": "joy", "prompt": "Bravo secret prompt 7Q", "seconds": 2},
    ])
    emocap("export", "rev-a", "--archive", archive, "--purpose", "ai-training",
           "--client", "Example AI Lab", "--to", os.path.join(work, "pkg"))
    emocap("withdraw", "rev-a/002-anger", "--actor", "actor-0042", "--archive", archive,
           "--reason", "not my best")

    site = os.path.join(work, "site")
    p = emocap("review", "--actor", "actor-0042", "--to", site, archive)
    ok("review site for actor actor-0042: 3 takes in 2 sessions (1 withdrawn" in p.stdout,
       "the site is written for actor A's three takes", p.stdout + p.stderr)
    ok("review: [1/3] rev-a/001-joy" in p.stderr and "review: [3/3] rev-a2/001-calm" in p.stderr,
       "progress is shown take by take", p.stderr)

    # ----- nothing of actor B, anywhere in the site -----
    leaks = []
    for root, _, files in os.walk(site):
        for name in files:
            data = open(os.path.join(root, name), "rb").read()
            for s in B_STRINGS:
                if s.encode() in data:
                    leaks.append(f"{os.path.relpath(os.path.join(root, name), site)}: {s}")
    ok(not leaks, "no id, name, prompt or contract of actor B in any file of A's site",
       "\n".join(leaks))

    page = open(os.path.join(site, "index.html")).read()
    ok("&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script" not in page,
       "the hostile prompt is escaped in the page source")
    ok("&quot;&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in page
       and "<img src=x" not in page, "the attribute-breaking prompt is escaped")
    for words in ("train AI models on your expressions and voice",
                  "use your face in advertising or any commercial product",
                  "make a digital replica of you", "NLC-2026-0042", sha256(contract_a),
                  "emocap withdraw rev-a/001-joy --actor actor-0042 --archive ",
                  "to Example AI Lab, for ai-training", "not my best", "WITHDRAWN",
                  "witnessed by op-review", "consent-receipt.json"):
        ok(words in page, f"the page says: {words}")
    ok("emocap withdraw rev-a/002-anger" not in page,
       "no withdraw command for the take already withdrawn")

    for take in ("001-joy", "002-anger"):
        d = os.path.join(site, "rev-a", take)
        thumbs = sorted(n for n in os.listdir(d) if n.startswith("thumb-"))
        ok(len(thumbs) >= 6, f"{take}: a contact sheet of six or more frames ({len(thumbs)})")
        ok(all(open(os.path.join(d, n), "rb").read(3) == b"\xff\xd8\xff" for n in thumbs),
           f"{take}: the frames are JPEG")
        receipt = json.load(open(os.path.join(d, "consent-receipt.json")))
        for field in ("version", "jurisdiction", "consentTimestamp", "collectionMethod",
                      "consentReceiptID", "piiPrincipalId", "piiControllers", "services",
                      "sensitive", "spiCat"):
            ok(field in receipt, f"{take}: the consent receipt has {field}")
        ok(receipt.get("piiPrincipalId") == "actor-0042", f"{take}: the receipt is A's")
        ok(("withdrawn" in receipt["emocap"]) == (take == "002-anger"),
           f"{take}: the receipt shows the withdrawal, if any")

    # ----- the review copy carries its take's mark -----
    copy = os.path.join(site, "rev-a", "001-joy", "review.webm")
    p = emocap("detect", copy, "--archive", archive, check=False)
    ok(p.returncode == 0 and "rev-a" in p.stdout and "001-joy" in p.stdout,
       "emocap detect on a review copy names its take", p.stdout + p.stderr)

    # ----- in the browser -----
    shot = os.path.join(work, "screenshot.png")
    report, png, problems, requests = check_in_browser(site, shot, os.path.join(work, "profile"))
    ok(png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10000,
       f"a screenshot is produced ({len(png)} bytes)")
    ok(not problems, "no console error, exception or dialog", "\n".join(problems))
    outside = [u for u in requests if not u.startswith(("file:", "data:"))]
    ok(not outside, "nothing is fetched from the network", "\n".join(outside))
    imgs = report["imgs"]
    ok(len(imgs) >= 18 and all(i["complete"] and i["width"] > 0 for i in imgs),
       f"every image loads ({len(imgs)})", json.dumps(imgs, indent=1))
    vids = report["vids"]
    ok(len(vids) == 3, f"a review copy per take ({len(vids)})", json.dumps(vids))
    for v in vids:
        ok(v["readyState"] >= 2, f"{v['src']}: readyState {v['readyState']} >= 2", json.dumps(v))
        ok(v["advanced"], f"{v['src']}: currentTime advances when played", json.dumps(v))
    ok(XSS_PROMPT in report["text"], "the hostile prompt shows as text",
       report["text"][:2000])
    ok(report["title"] == "Your takes, Sam Rivera", f"the title is untouched: {report['title']}")

    # ----- withdrawn with the command the page shows, then regenerated -----
    import html
    import re
    import shlex
    shown = [html.unescape(c) for c in re.findall(r'<pre class="cmd">(.*?)</pre>', page, re.S)]
    ok(len(shown) == 2 and shown[0].startswith("emocap withdraw rev-a/001-joy --actor actor-0042")
       and shown[1].startswith("emocap withdraw rev-a2/001-calm --actor actor-0042"),
       "the page shows a withdraw command for each take not yet withdrawn", shown)
    argv = shlex.split(shown[0])
    emocap(*argv[1:])
    # a copy damaged in the earlier site is made afresh, not half taken over
    os.unlink(os.path.join(site, "rev-a2", "001-calm", "thumb-5.jpg"))
    p = emocap("review", "--actor", "actor-0042", "--to", site, archive)
    ok("(2 withdrawn, 2 review copies kept from the earlier site)" in p.stdout
       and "warning" not in p.stderr,
       "written again, the site keeps the review copies that are whole", p.stdout + p.stderr)
    ok(len([n for n in os.listdir(os.path.join(site, "rev-a2", "001-calm"))
            if n.startswith("thumb-")]) == 8, "and makes the damaged one afresh")
    page = open(os.path.join(site, "index.html")).read()
    ok(page.count('class="badge">WITHDRAWN') == 2, "both takes now show withdrawn")
    ok(not [n for n in os.listdir(work) if n.startswith(".site.")],
       "no temporary folder is left beside the site")

    # ----- a session whose journal was edited is not shown, and the page says so -----
    forged = os.path.join(work, "forged")
    shutil.copytree(archive, forged)
    jpath = os.path.join(forged, "sessions", "rev-a2", "journal.jsonl")
    text = open(jpath).read()
    write(jpath, text.replace("Breathe.", "Breathe!"))
    cpath = os.path.join(forged, "sessions", "rev-a", "contract.json")
    write(cpath, open(cpath).read().replace('"commercial_face_use": "prohibited"',
                                            '"commercial_face_use": "allowed"'))
    site_f = os.path.join(work, "site-forged")
    p = emocap("review", "--actor", "actor-0042", "--to", site_f, forged)
    page_f = open(os.path.join(site_f, "index.html")).read()
    ok("Session rev-a2 is not shown: its records could not be checked" in page_f
       and "rev-a/001-joy" in page_f and "rev-a2/001-calm" not in page_f,
       "an edited session is left out, with a warning on the page", p.stdout + p.stderr)
    ok("warning: Session rev-a2 is not shown" in p.stderr, "and on the terminal", p.stderr)
    ok("is not the one you consented to" in page_f and "As you consented:" in page_f
       and "use your face in advertising" not in page_f.split("As you consented:")[0]
       .split("Session rev-a<")[-1],
       "a contract changed after consent is flagged, and the consented terms shown instead",
       page_f[:4000])

    # ----- B's own site, and refusals -----
    site_b = os.path.join(work, "site-b")
    p = emocap("review", "--actor", "actor-0077", "--to", site_b,
               os.path.join(archive, "sessions", "rev-b"))
    page_b = open(os.path.join(site_b, "index.html")).read()
    ok("Bravo secret prompt 7Q" in page_b and "Sam Rivera" not in page_b
       and "rev-a" not in page_b, "B's site, from B's session folder, shows only B")

    p = emocap("review", "--actor", "actor-9999", "--to", os.path.join(work, "none"), archive,
               check=False)
    ok(p.returncode == 3 and "no take with a consent of actor 'actor-9999'" in p.stderr
       and not os.path.exists(os.path.join(work, "none")),
       "an actor without takes: exit 3, nothing written", p.stderr)
    other = os.path.join(work, "other")
    os.makedirs(other)
    write(os.path.join(other, "notes.txt"), "keep me")
    p = emocap("review", "--actor", "actor-0042", "--to", other, archive, check=False)
    ok(p.returncode == 3 and "not an emocap review site" in p.stderr
       and os.listdir(other) == ["notes.txt"],
       "a folder holding other files is refused and left alone", p.stderr)
    p = emocap("review", "--actor", "actor-0042", "--to", site, os.path.join(work, "nowhere"),
               check=False)
    ok(p.returncode == 3 and "neither an archive" in p.stderr, "a source that is not there",
       p.stderr)


if __name__ == "__main__":
    sys.exit(main())
