/* The website's search results: readable snippets, and pages titled by the query first.
 *
 * Loaded on search.html only, after Sphinx's searchtools.js (see _ext/search_snippets.py).
 *
 * 1. Snippets. Sphinx builds each result's snippet from the text of the page it fetches, in
 *    which every equation is still TeX waiting for MathJax: "\(z^{l+1}_i = \sum_j ...\)".
 *    Before Sphinx reads that text, texToText rewrites each equation as plain text with
 *    Unicode symbols: "zˡ⁺¹ᵢ = Σⱼ ...".
 * 2. Order. Sphinx scores a page 15 when a word of the query appears in any heading of it, so
 *    a search for "chain rule" ties every page with "chain" or "rule" in some heading, and the
 *    tie goes to the alphabetically first title. The scorer (Scorer.score, defined in
 *    _ext/search_scorer.js) adds a bonus when the whole query, as a phrase, is in the page's
 *    title, and a smaller one when it is in a section's title; it reads the query here.
 */
"use strict";

const BPKIT_TEX_SYMBOLS = {
  alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε", zeta: "ζ",
  eta: "η", theta: "θ", vartheta: "ϑ", iota: "ι", kappa: "κ", lambda: "λ", mu: "μ", nu: "ν",
  xi: "ξ", pi: "π", rho: "ρ", sigma: "σ", tau: "τ", upsilon: "υ", phi: "φ", varphi: "φ",
  chi: "χ", psi: "ψ", omega: "ω", Gamma: "Γ", Delta: "Δ", Theta: "Θ", Lambda: "Λ", Xi: "Ξ",
  Pi: "Π", Sigma: "Σ", Phi: "Φ", Psi: "Ψ", Omega: "Ω",
  partial: "∂", nabla: "∇", sum: "Σ", prod: "Π", int: "∫", infty: "∞", ell: "ℓ",
  cdot: "·", times: "×", odot: "⊙", circ: "∘", pm: "±", mp: "∓", div: "÷", ast: "*",
  le: "≤", leq: "≤", ge: "≥", geq: "≥", ne: "≠", neq: "≠", approx: "≈", sim: "~",
  equiv: "≡", propto: "∝", ll: "≪", gg: "≫", in: "∈", notin: "∉", subset: "⊂",
  to: "→", rightarrow: "→", leftarrow: "←", Rightarrow: "⇒", Leftarrow: "⇐",
  mapsto: "↦", gets: "←", iff: "⇔", implies: "⇒",
  ldots: "…", dots: "…", cdots: "⋯", vdots: "⋮", ddots: "⋱",
  top: "ᵀ", intercal: "ᵀ", prime: "′", dagger: "†",
  langle: "⟨", rangle: "⟩", lvert: "|", rvert: "|", vert: "|", mid: "|", lVert: "‖",
  rVert: "‖", Vert: "‖", lfloor: "⌊", rfloor: "⌋", lceil: "⌈", rceil: "⌉",
  lbrace: "{", rbrace: "}", "{": "{", "}": "}", "%": "%", "$": "$", "&": "&", "#": "#",
  "_": "_", forall: "∀", exists: "∃", emptyset: "∅", setminus: "∖", cup: "∪", cap: "∩",
  sqrt: "√", star: "⋆", bullet: "•", checkmark: "✓",
};
// Spacing and sizing commands: dropped (the spaces around them stay).
const BPKIT_TEX_DROP = new Set([
  "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl",
  "biggr", "displaystyle", "textstyle", "scriptstyle", "limits", "nolimits", "quad", "qquad",
  "nonumber", "notag", "label", "tag",
]);
// Commands whose argument is shown as it is: \mathrm{var}, \text{running var}.
const BPKIT_TEX_PLAIN = new Set([
  "text", "textrm", "textit", "textbf", "mathrm", "mathit", "mathbf", "mathsf", "mathtt",
  "mathcal", "mathbb", "boldsymbol", "bm", "operatorname", "emph", "mbox", "hbox",
]);
const BPKIT_TEX_ACCENTS = {
  hat: "\u0302", widehat: "\u0302", bar: "\u0304", overline: "\u0305", dot: "\u0307",
  ddot: "\u0308", tilde: "\u0303", widetilde: "\u0303", vec: "\u20d7",
};
const BPKIT_SUPERSCRIPTS = {
  "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸",
  "9": "⁹", "+": "⁺", "-": "⁻", "=": "⁼", "(": "⁽", ")": "⁾", a: "ᵃ", b: "ᵇ", c: "ᶜ",
  d: "ᵈ", e: "ᵉ", f: "ᶠ", g: "ᵍ", h: "ʰ", i: "ⁱ", j: "ʲ", k: "ᵏ", l: "ˡ", m: "ᵐ", n: "ⁿ",
  o: "ᵒ", p: "ᵖ", r: "ʳ", s: "ˢ", t: "ᵗ", u: "ᵘ", v: "ᵛ", w: "ʷ", x: "ˣ", y: "ʸ", z: "ᶻ",
  A: "ᴬ", B: "ᴮ", D: "ᴰ", E: "ᴱ", G: "ᴳ", H: "ᴴ", I: "ᴵ", J: "ᴶ", K: "ᴷ", L: "ᴸ", M: "ᴹ",
  N: "ᴺ", O: "ᴼ", P: "ᴾ", R: "ᴿ", T: "ᵀ", U: "ᵁ", V: "ⱽ", W: "ᵂ", "ᵀ": "ᵀ", "′": "′",
  "*": "*", " ": "",
};
// Symbols written against what follows them, as TeX does (the space after a command is
// not printed): "\partial L" -> "∂L". Relations and operators keep their spaces.
const BPKIT_TEX_TIGHT = new Set([
  "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
  "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau",
  "upsilon", "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi",
  "Pi", "Sigma", "Phi", "Psi", "Omega", "partial", "nabla", "ell", "lVert", "langle", "lvert",
  "lfloor", "lceil", "lbrace", "sum", "prod", "int",
]);
const BPKIT_SUBSCRIPTS = {
  "0": "₀", "1": "₁", "2": "₂", "3": "₃", "4": "₄", "5": "₅", "6": "₆", "7": "₇", "8": "₈",
  "9": "₉", "+": "₊", "-": "₋", "=": "₌", "(": "₍", ")": "₎", a: "ₐ", e: "ₑ", h: "ₕ",
  i: "ᵢ", j: "ⱼ", k: "ₖ", l: "ₗ", m: "ₘ", n: "ₙ", o: "ₒ", p: "ₚ", r: "ᵣ", s: "ₛ", t: "ₜ",
  u: "ᵤ", v: "ᵥ", x: "ₓ", " ": "",
};

/* Whether, past any spaces at text[i], an operand comes next (a letter, a digit, a bracket,
 * or a tight symbol such as \\theta) rather than a relation or an operator. */
function bpkitOperandFollows(text, i) {
  while (text[i] === " ") i += 1;
  if (/[A-Za-z0-9(\[]/.test(text[i] || "")) return true;
  const m = /^\\([A-Za-z]+)/.exec(text.slice(i));
  return Boolean(m && BPKIT_TEX_TIGHT.has(m[1]));
}

/* The argument of a command at text[i]: a {group} (returned without its braces) or one
 * character, or a \command; returns [argument, index after it]. */
function bpkitTexArgument(text, i) {
  while (i < text.length && text[i] === " ") i += 1;
  if (text[i] === "{") {
    let depth = 0;
    for (let j = i; j < text.length; j += 1) {
      if (text[j] === "{") depth += 1;
      else if (text[j] === "}") depth -= 1;
      if (depth === 0) return [text.slice(i + 1, j), j + 1];
    }
    return [text.slice(i + 1), text.length];
  }
  if (text[i] === "\\") {
    const m = /^\\([A-Za-z]+|.)/.exec(text.slice(i));
    if (m) return [m[0], i + m[0].length];
  }
  return [text.slice(i, i + 1), i + 1];
}

/* A script (superscript or subscript) in Unicode when every character has one, else
 * "^(x)" or "_(x)" (or "^x" for a single character). */
function bpkitScript(converted, table, mark) {
  const chars = [...converted];
  if (chars.length && chars.every((c) => c in table)) return chars.map((c) => table[c]).join("");
  return chars.length > 1 ? `${mark}(${converted})` : `${mark}${converted}`;
}

/* Plain text for one TeX formula: the delimiters go, commands become Unicode symbols,
 * fractions a/b, scripts Unicode superscripts and subscripts where they exist. */
function texToText(tex) {
  let text = String(tex).trim();
  text = text.replace(/^\\\(|\\\)$/g, "").replace(/^\\\[|\\\]$/g, "").replace(/^\$\$?|\$\$?$/g, "");
  text = text.replace(/\\(begin|end)\{[^}]*\}(\{[^}]*\})?/g, " ");
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "\\") {
      const m = /^\\([A-Za-z]+|.)/.exec(text.slice(i));
      if (!m) { i += 1; continue; }
      const name = m[1];
      i += m[0].length;
      if (name === "\\") { out += "; "; continue; }
      if (name === "," || name === ";" || name === ":" || name === " " || name === "!") {
        out += name === "!" ? "" : " ";
        continue;
      }
      if (BPKIT_TEX_DROP.has(name)) {
        if (name === "label" || name === "tag") i = bpkitTexArgument(text, i)[1];
        else if (name.startsWith("q")) out += " ";
        continue;
      }
      if (name === "frac" || name === "dfrac" || name === "tfrac") {
        const [num, afterNum] = bpkitTexArgument(text, i);
        const [den, afterDen] = bpkitTexArgument(text, afterNum);
        i = afterDen;
        const a = texToText(num), b = texToText(den);
        const wrap = (s) => ([...s].length > 1 && /[\s+\-−=/·×]/.test(s) ? `(${s})` : s);
        out += `${wrap(a)}/${wrap(b)}`;
        if (/^[A-Za-z\\]/.test(text.slice(i))) out += " ";  // \frac1N\sum_n -> "1/N Σₙ"
        continue;
      }
      if (name === "sqrt") {
        const [arg, after] = bpkitTexArgument(text, i);
        i = after;
        const a = texToText(arg);
        out += [...a].length > 1 ? `√(${a})` : `√${a}`;
        continue;
      }
      if (BPKIT_TEX_PLAIN.has(name)) {
        const [arg, after] = bpkitTexArgument(text, i);
        i = after;
        out += name === "mathbb" && arg === "E" ? "𝔼" : texToText(arg);
        continue;
      }
      if (name in BPKIT_TEX_ACCENTS) {
        const [arg, after] = bpkitTexArgument(text, i);
        i = after;
        const a = texToText(arg);
        out += [...a].length === 1 ? a + BPKIT_TEX_ACCENTS[name] : `${name}(${a})`;
        continue;
      }
      if (name in BPKIT_TEX_SYMBOLS) {
        out += BPKIT_TEX_SYMBOLS[name];
        if (BPKIT_TEX_TIGHT.has(name) && bpkitOperandFollows(text, i)) {
          while (text[i] === " ") i += 1;
        }
        continue;
      }
      out += name;  // \max, \log, \tanh, \exp, \operatorname-like words: the word itself
      continue;
    }
    if (c === "^" || c === "_") {
      const [arg, after] = bpkitTexArgument(text, i + 1);
      i = after;
      const a = texToText(arg);
      out += bpkitScript(a, c === "^" ? BPKIT_SUPERSCRIPTS : BPKIT_SUBSCRIPTS, c);
      continue;
    }
    if (c === "{" || c === "}") { i += 1; continue; }
    if (c === "&") { out += " "; i += 1; continue; }
    if (c === "~") { out += " "; i += 1; continue; }
    out += c;
    i += 1;
  }
  return out.replace(/\s+/g, " ").trim().normalize("NFC");
}

/* The page's text with every equation (MathJax's .math elements) as plain text. */
function bpkitReadableHtml(htmlString) {
  const doc = new DOMParser().parseFromString(htmlString, "text/html");
  doc.querySelectorAll(".math").forEach((el) => {
    el.textContent = ` ${texToText(el.textContent)} `;
  });
  return doc.documentElement.outerHTML;
}

/* The query typed into the search page (?q=...), for the scorer. */
function bpkitSearchQuery() {
  const q = new URLSearchParams(window.location.search).get("q") || "";
  return q.toLowerCase().replace(/\s+/g, " ").trim();
}

if (typeof Search !== "undefined" && typeof DOMParser !== "undefined") {
  const sphinxHtmlToText = Search.htmlToText;
  // Runs of spaces and line breaks (a page's indentation) collapsed, so that the snippet's
  // 240 characters are all text.
  Search.htmlToText = (htmlString, anchor) =>
    sphinxHtmlToText(bpkitReadableHtml(htmlString), anchor).replace(/\s+/g, " ");
}

/* Pages whose title holds the whole query come first, then sections whose title does. */
const BPKIT_PAGE_TITLE_BONUS = 1000;
const BPKIT_SECTION_TITLE_BONUS = 500;

function bpkitScore(result, query) {
  const [, title, , , score] = result;
  if (!query) return score;
  const [page, section] = String(title).toLowerCase().split(" > ");
  if (page.includes(query)) return score + BPKIT_PAGE_TITLE_BONUS;
  if (section && section.includes(query)) return score + BPKIT_SECTION_TITLE_BONUS;
  return score;
}

if (typeof Scorer !== "undefined") {
  Scorer.score = (result) => bpkitScore(result, bpkitSearchQuery());
}
