// The probe's helpers inside a page. They run in an isolated world of each
// document the probe enters (the page's own scripts cannot see or change
// them) and are defined once per world as globalThis.__stk.
(() => {
  if (globalThis.__stk) return;
  const S = {};
  const norm = (s) => (s || "").replace(/\s+/g, " ").trim();

  // root walks the shadow-host selectors from the document to the widget root.
  S.root = (shadow) => {
    let r = document;
    for (const sel of shadow || []) {
      const h = r.querySelector(sel);
      if (!h || !h.shadowRoot) return null;
      r = h.shadowRoot;
    }
    return r;
  };

  // up is the element holding n, across shadow roots.
  S.up = (n) => n.parentElement || (n.parentNode && n.parentNode.host) || null;

  // visible reports whether el is drawn: not hidden by display, visibility,
  // content-visibility (hidden="until-found") or opacity 0, on it or an
  // ancestor; with an area; and not inside an empty box that clips what
  // overflows it (a collapsed panel). Being outside the window is not
  // hidden: a click scrolls it into view.
  S.visible = (el) => {
    if (!el || !el.isConnected) return false;
    // Not contentVisibilityAuto: content-visibility: auto only skips drawing
    // what is off screen.
    if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) return false;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return false;
    let pos = getComputedStyle(el).position;
    for (let a = S.up(el); a && a !== document.body && a !== document.documentElement; a = S.up(a)) {
      if (pos === "fixed") break;
      const st = getComputedStyle(a);
      // An absolutely positioned box escapes the boxes up to its containing block.
      if (pos === "absolute" && st.position === "static") continue;
      pos = st.position;
      if (st.display === "inline" || st.display === "contents") continue;
      if ((st.overflowX !== "visible" || st.overflowY !== "visible") && (a.clientWidth < 1 || a.clientHeight < 1)) return false;
    }
    return true;
  };

  // enabled reports whether el can be used: not disabled (itself or by a
  // fieldset), not aria-disabled, not a read-only field, not inert.
  S.enabled = (el) => {
    if (el.matches(":disabled") || el.getAttribute("aria-disabled") === "true") return false;
    if ((el.tagName === "INPUT" || el.tagName === "TEXTAREA") && el.readOnly) return false;
    for (let a = el; a; a = S.up(a)) if (a.inert) return false;
    return true;
  };

  // find returns the first element matching sel under the root (only one a
  // person can use, visible and enabled, when visible is set), within the
  // element matching scope when given.
  S.find = (a) => {
    let r = S.root(a.shadow);
    if (!r) return null;
    if (a.scope) {
      r = r.querySelector(a.scope);
      if (!r) return null;
    }
    for (const e of r.querySelectorAll(a.sel)) {
      if (!a.visible || (S.visible(e) && S.enabled(e))) return e;
    }
    return null;
  };

  // reveal scrolls el into the middle of its window unless it is all in it.
  // After a scroll it resolves two animation frames later (at most 250 ms): the browser
  // routes a click by its compositor's picture of the page, which takes a frame or two
  // to learn of a scroll the page made, and a click aimed before then lands elsewhere.
  S.reveal = (el) => {
    const r = el.getBoundingClientRect();
    if (r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth) return false;
    el.scrollIntoView({ block: "center", inline: "center", behavior: "instant" });
    return new Promise((done) => {
      const t = setTimeout(() => done(true), 250);
      requestAnimationFrame(() => requestAnimationFrame(() => { clearTimeout(t); done(true); }));
    });
  };

  // box is el's box in its window (for an iframe, the box its document is
  // drawn in: inside the border and padding) and the window's size.
  S.box = (el) => {
    const r = el.getBoundingClientRect();
    const b = { x: r.left, y: r.top, w: r.width, h: r.height, vw: innerWidth, vh: innerHeight };
    if (el.tagName === "IFRAME" || el.tagName === "FRAME") {
      const st = getComputedStyle(el);
      const pl = parseFloat(st.paddingLeft) || 0, pt = parseFloat(st.paddingTop) || 0;
      b.x += el.clientLeft + pl;
      b.y += el.clientTop + pt;
      b.w = el.clientWidth - pl - (parseFloat(st.paddingRight) || 0);
      b.h = el.clientHeight - pt - (parseFloat(st.paddingBottom) || 0);
    }
    return b;
  };

  // describe names an element for an error message.
  S.describe = (e) => {
    if (!e) return "nothing";
    let s = "<" + e.tagName.toLowerCase();
    if (e.id) s += ' id="' + e.id.slice(0, 40) + '"';
    if (typeof e.className === "string" && e.className) s += ' class="' + e.className.slice(0, 60) + '"';
    return s + ">";
  };

  // hits says what the point (x, y) of el's window hits: ok when el or an
  // element inside it.
  S.hits = (el, x, y) => {
    const root = el.getRootNode();
    const h = (root.elementFromPoint ? root : document).elementFromPoint(x, y);
    return { ok: !!h && (h === el || el.contains(h)), hit: S.describe(h) };
  };

  S.present = (a) => S.find(a) !== null;

  // state says what a wait needs to know in one round trip.
  S.state = (a) => ({
    ready: document.readyState,
    href: location.href,
    content: !!(document.body && document.body.childElementCount > 0),
    found: a.sel ? S.present(a) : false,
    captcha: a.captcha ? S.present({ shadow: a.shadow, sel: a.captcha, visible: true }) : false,
  });

  S.text = (el) => norm(el.innerText !== undefined ? el.innerText : el.textContent);

  // notice reports whether a notice shows: an element matching sel (with its
  // text), or the widget's visible text when sel is empty. Texts we sent are
  // left out of the widget's text.
  S.noticeTexts = (a) => {
    const r = S.root(a.shadow);
    if (!r) return [];
    if (a.sel) {
      const out = [];
      for (const e of r.querySelectorAll(a.sel)) {
        if (S.visible(e)) out.push(S.text(e).slice(0, 2000));
        if (out.length >= 5) break;
      }
      return out;
    }
    const body = r === document ? document.body : r;
    if (!body) return [];
    let t = S.text(body);
    for (const s of S.sent) t = t.split(s).join(" ");
    return [t.slice(0, 32768)];
  };

  // idle takes the focus away from the page's fields, so that no caret
  // blinks (and repaints) while the conversation waits for answers.
  S.idle = () => {
    const a = document.activeElement;
    if (a && a !== document.body && a.blur) a.blur();
    return true;
  };

  S.sent = [];
  S.remember = (text) => { S.sent.push(norm(text)); };

  // fill puts text into an input, textarea or contenteditable element through
  // its native setter and the events frameworks listen to, when typing did not.
  S.fill = (el, text) => {
    el.focus();
    if (el.isContentEditable) {
      el.textContent = text;
    } else {
      const proto = Object.getPrototypeOf(el);
      const d = Object.getOwnPropertyDescriptor(proto, "value");
      if (d && d.set) d.set.call(el, text); else el.value = text;
    }
    el.dispatchEvent(new Event("input", { bubbles: true }));
    el.dispatchEvent(new Event("change", { bubbles: true }));
  };

  S.valueOf = (el) => (el.isContentEditable ? norm(el.textContent) : norm(el.value));

  S.clear = (el) => {
    el.focus();
    if (el.isContentEditable) el.textContent = ""; else if ("value" in el) S.fill(el, "");
  };

  // choose selects the option whose value or visible text equals want.
  S.choose = (el, want) => {
    for (const o of el.options || []) {
      if (o.value === want || norm(o.text) === norm(want)) {
        el.value = o.value;
        el.dispatchEvent(new Event("input", { bubbles: true }));
        el.dispatchEvent(new Event("change", { bubbles: true }));
        return true;
      }
    }
    return false;
  };

  // observe reports each message item once, when it first has text, with the
  // time of the mutation that showed it, through the binding; and the typing
  // indicator and the notices when they change.
  S.observe = (cfg) => {
    if (S.obs) S.obs.disconnect();
    const emit = (o) => { try { globalThis[cfg.binding](JSON.stringify(o)); } catch (e) { /* binding gone */ } };
    const now = () => performance.timeOrigin + performance.now();
    const seen = new WeakMap();
    let seq = 0, count = 0, overflow = false, typing = false, initial = true, noticeTimer = 0;
    const last = {};
    const within = (it, sel, c) => {
      if (!sel) return false;
      try {
        if (it.matches(sel)) return true;
        for (let a = it.parentElement; a && a !== c; a = a.parentElement) if (a.matches(sel)) return true;
        return it.querySelector(sel) !== null;
      } catch (e) { return false; }
    };
    const textOf = (it) => {
      let el = it;
      if (cfg.text) { try { el = it.querySelector(cfg.text) || it; } catch (e) { el = it; } }
      return S.text(el).slice(0, cfg.maxText);
    };
    const items = (t) => {
      const r = S.root(cfg.shadow);
      if (!r) return;
      const c = r.querySelector(cfg.container);
      if (!c) return;
      for (const it of c.querySelectorAll(cfg.item)) {
        const rec = seen.get(it);
        if (rec) {
          // Cheap check first: innerText lays the page out, textContent does not.
          const raw = it.textContent;
          if (raw === rec.raw) continue;
          rec.raw = raw;
          const text = textOf(it);
          if (text && text !== rec.text) { rec.text = text; emit({ k: "upd", seq: rec.seq, t, text }); }
          continue;
        }
        const text = textOf(it);
        if (!text) continue;
        if (count >= cfg.maxItems) {
          if (!overflow) { overflow = true; emit({ k: "overflow", t }); }
          return;
        }
        count++;
        const r2 = { seq: ++seq, text, raw: it.textContent };
        seen.set(it, r2);
        const m = {};
        for (const [k, s] of Object.entries(cfg.sels || {})) m[k] = within(it, s, c);
        const attrs = {};
        for (const a of cfg.attrs || []) attrs[a] = it.getAttribute(a);
        emit({ k: "msg", seq: r2.seq, t, text, m, attrs, initial });
      }
    };
    const flags = (t) => {
      if (cfg.typing) {
        const on = S.present({ shadow: cfg.shadow, sel: cfg.typing, visible: true });
        if (on !== typing) { typing = on; emit({ k: "typing", on, t }); }
      }
    };
    const notices = () => {
      noticeTimer = 0;
      const t = now();
      for (const [key, n] of Object.entries(cfg.notices || {})) {
        const texts = S.noticeTexts({ shadow: cfg.shadow, sel: n.sel });
        const j = JSON.stringify(texts);
        if (j !== last[key]) { last[key] = j; emit({ k: "notice", key, texts, t }); }
      }
    };
    const scan = () => {
      const t = now();
      // The typing indicator first: it goes away with the answer, which may end the wait.
      try { flags(t); items(t); } catch (e) { emit({ k: "error", t, text: String(e).slice(0, 300) }); }
      // Notices need no precise time: read them at most once a second.
      if (!noticeTimer) noticeTimer = setTimeout(notices, 1000);
    };
    const target = S.root(cfg.shadow) || document;
    S.obs = new MutationObserver(scan);
    S.obs.observe(target, { subtree: true, childList: true, characterData: true, attributes: true });
    scan();
    initial = false;
    notices();
    return true;
  };

  // glance tells what a launcher click may change, in one round trip: the
  // launcher (a signature of its markup, "" when it is gone or hidden) when
  // a.sel is set, and whether what the widget shows once open (a.target: an
  // element with a size, under the root of a.targetShadow) shows.
  S.glance = (a) => {
    const out = { sig: "", target: false };
    if (a.sel) {
      const e = S.find({ shadow: a.shadow, sel: a.sel, visible: true });
      if (e) out.sig = e.outerHTML.slice(0, 4096);
    }
    if (a.target) {
      const t = S.find({ shadow: a.targetShadow, sel: a.target, visible: true });
      if (t) {
        const r = t.getBoundingClientRect();
        out.target = r.width > 0 && r.height > 0;
      }
    }
    return out;
  };

  globalThis.__stk = S;
})();
