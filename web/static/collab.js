/* AutoStack dashboard: real-time collaboration. Every page works without this file.
 * - an element with data-presence="<stream url>" (a project's or a deployment's
 *   /presence/events) keeps the page counted as viewed while it is open and shows the
 *   other team members on the page as initials (data-me is the signed-in user's id);
 * - the same stream's "comments" events re-render #comment-list (with htmx) unless
 *   the reader is editing a comment in it, and its "notifications" events (as the
 *   page's first read of /api/v1/notifications) show the unread count in the header.
 */
(() => {
  "use strict";

  function showViewers(list, viewers) {
    const me = list.dataset.me;
    const others = viewers.filter((viewer) => String(viewer.id) !== me);
    list.replaceChildren(...others.map((viewer) => {
      const item = document.createElement("li");
      item.className = "avatar viewer";
      item.title = `${viewer.name} is viewing`;
      item.dataset.viewer = String(viewer.id);
      item.textContent = viewer.initials;
      const name = document.createElement("span");
      name.className = "visually-hidden";
      name.textContent = ` ${viewer.name}`;
      item.append(name);
      return item;
    }));
  }

  function refreshComments() {
    const list = document.getElementById("comment-list");
    if (!list || !window.htmx) return;
    if (list.contains(document.activeElement) || list.querySelector("details[open]")) {
      // Someone typing keeps their form; the next change (or a reload) brings the rest.
      return;
    }
    window.htmx.ajax("GET", window.location.pathname,
      { target: "#comment-list", select: "#comment-list", swap: "outerHTML" });
  }

  function showUnread(count) {
    document.querySelectorAll("[data-unread]").forEach((badge) => {
      badge.textContent = ` ${count}`;
      badge.hidden = count === 0;
    });
  }

  async function readUnread() {
    const response = await fetch("/api/v1/notifications");
    if (response.ok) showUnread((await response.json()).unread);
  }

  function follow(list) {
    const source = new EventSource(list.dataset.presence);
    source.addEventListener("presence", (event) => {
      showViewers(list, JSON.parse(event.data).viewers);
    });
    source.addEventListener("comments", refreshComments);
    source.addEventListener("notifications", (event) => {
      showUnread(JSON.parse(event.data).unread);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const streams = document.querySelectorAll("[data-presence]");
    streams.forEach(follow);
    if (!streams.length && document.querySelector("[data-unread]")) readUnread();
  });
})();
