// The widget's bundle: it attaches the launcher's handler (at once, or
// ?late=ms after the page's load event), connects the WebSocket, and renders
// the answers, which come as markdown, to HTML.
(() => {
  const q = new URLSearchParams(location.search);
  const root = document.querySelector("chat-widget").shadowRoot;
  const box = root.getElementById("container");
  const launcher = root.querySelector(".launcher");
  const log = root.getElementById("messages");
  const input = root.getElementById("text-input");

  function attach() {
    launcher.addEventListener("click", () => {
      box.hidden = !box.hidden;
      launcher.setAttribute("aria-expanded", String(!box.hidden));
    });
    window.chatWidget = { ready: true };
  }
  if (q.has("late")) {
    window.addEventListener("load", () => setTimeout(attach, Number(q.get("late"))));
  } else {
    attach();
  }

  // A small markdown renderer: paragraphs, "- " lists, **strong**, *em*,
  // `code` and [links](url).
  const esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const inline = (s) => esc(s)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(/\*([^*]+)\*/g, "<em>$1</em>")
    .replace(/\[([^\]]+)\]\(([^)]+)\)/g, '<a href="$2">$1</a>');
  function markdown(src) {
    return src.split(/\n{2,}/).map((block) => {
      const lines = block.split("\n");
      if (lines.every((l) => l.startsWith("- "))) {
        return "<ul>" + lines.map((l) => "<li>" + inline(l.slice(2)) + "</li>").join("") + "</ul>";
      }
      return "<p>" + inline(block) + "</p>";
    }).join("");
  }

  function show(role, text) {
    const outer = document.createElement("div");
    outer.className = "outer-message-container";
    const inner = document.createElement("div");
    inner.className = "inner-message-container";
    const bubble = document.createElement("div");
    bubble.className = "message-bubble " + (role === "user" ? "user-message-text" : "ai-message-text");
    if (role === "user") {
      bubble.textContent = text;
    } else {
      bubble.innerHTML = markdown(text);
    }
    if (role === "agent") {
      // A person who joined shows with a name badge; the bot has none.
      const badge = document.createElement("div");
      badge.className = "name human-agent";
      badge.textContent = "Ann";
      inner.appendChild(badge);
    }
    inner.appendChild(bubble);
    outer.appendChild(inner);
    log.appendChild(outer);
  }

  const ws = new WebSocket("ws://" + location.host + "/wc/ws" + location.search);
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.type === "message") show(m.role, m.text);
  };
  function send() {
    const text = input.textContent.trim();
    if (!text) return;
    input.textContent = "";
    show("user", text);
    ws.send(JSON.stringify({ type: "message", text }));
  }
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      send();
    }
  });
  root.getElementById("submit-button").addEventListener("click", send);
})();
