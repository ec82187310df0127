// Borderhub's own small script. Every page works without it; with it, some are quicker to use.
// Enhancements are opt-in by data attributes, so a page says what it wants:
//   data-submit-on-change   on a control: submit its form when it changes (language, facets)
//   data-without-script     on a button only needed without the script (its form submits on change)
//   data-focus-first        on an error summary: move the focus to it, so it is read out first
//   data-live-search="id"   on a search form: refresh the results region `id` while typing
//   data-options-of="id"    on a select with <optgroup data-group>: offer only the group the
//                           select `id` has chosen (regions of the chosen country)
"use strict";

document.addEventListener("change", (event) => {
  const control = event.target.closest("[data-submit-on-change]");
  if (control && control.form) {
    control.form.requestSubmit();
  }
});

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-without-script]").forEach((element) => {
    element.hidden = true;
  });
  const summary = document.querySelector("[data-focus-first]");
  if (summary) {
    summary.focus();
  }
  document.querySelectorAll("form[data-live-search]").forEach(liveSearch);
  document.querySelectorAll("select[data-options-of]").forEach(optionsOf);
});

// Search as you type: fetch the results page for the form's current values and swap in its
// results region (the server renders the same HTML either way); the address follows, so the
// back button and a shared link show the same results.
function liveSearch(form) {
  let region = document.getElementById(form.dataset.liveSearch);
  if (!region) {
    return;
  }
  let timer = null;
  let pending = null;
  const refresh = async () => {
    const query = new URLSearchParams(new FormData(form));
    const url = `${form.action}?${query}`;
    if (pending) {
      pending.abort();
    }
    pending = new AbortController();
    try {
      const response = await fetch(url, { signal: pending.signal, headers: { "X-Partial": "results" } });
      if (!response.ok) {
        return;
      }
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById(region.id);
      if (fresh) {
        region.replaceWith(fresh);
        region = fresh; // the next refresh replaces the region now shown
        history.replaceState(null, "", url);
      }
    } catch (error) {
      if (error.name !== "AbortError") {
        throw error;
      }
    }
  };
  form.addEventListener("input", (event) => {
    if (event.target.matches("input[type=search], input[type=text], input[type=number]")) {
      clearTimeout(timer);
      timer = setTimeout(refresh, 250);
    }
  });
  form.addEventListener("change", (event) => {
    if (event.target.matches("input[type=checkbox], input[type=radio], select")) {
      event.stopPropagation();
      refresh();
    }
  });
}

// A select whose options follow another's choice: only the <optgroup> whose data-group is the other
// select's value stays (all of them while it has none); options outside groups (a blank) always stay.
function optionsOf(select) {
  const leader = document.getElementById(select.dataset.optionsOf);
  if (!leader) {
    return;
  }
  const groups = Array.from(select.querySelectorAll("optgroup[data-group]"));
  const follow = () => {
    const kept = select.value;
    groups.forEach((group) => group.remove());
    groups.filter((group) => !leader.value || group.dataset.group === leader.value).forEach((group) => select.append(group));
    select.value = Array.from(select.options).some((option) => option.value === kept) ? kept : "";
  };
  leader.addEventListener("change", follow);
  follow();
}
