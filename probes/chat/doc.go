// Package chat is the live-chat probe: it holds one conversation in a
// company's chat widget with headless Chromium, as a customer would, and
// measures how long the first answer and the first human answer took.
//
// A widget is described by a profile (package profile, docs/widget-profiles.md):
// where the launcher, frames, pre-chat form, input and messages are, and how
// to tell who wrote each message. A Conversation opens the page in a tab of
// the browser pool (package browser), steps into the widget's iframes (also
// iframes Chromium runs in another process) and shadow roots, fills the
// pre-chat form, sends the opening message and waits for answers.
//
// Which message appeared is read from the page: an observer, injected into an
// isolated world of the widget's document (the page's scripts cannot see it),
// records each message item when a mutation shows it, with its author class
// and text, and reports it through a DevTools binding. When it crossed the
// wire is read from the browser's network events (DevTools Network domain):
// the request or WebSocket frame that carried our message out is t0, and the
// response, WebSocket frame or server-sent event whose payload holds an
// answer's text is the answer's time. The DOM time is kept beside it and used
// when no network event matches.
package chat
