/* Start reveal.js and make every slide fit (rule R6 of nnlib/course/slides.py).

   Once MathJax has typeset and the figures are decoded, each slide is measured. One still taller than
   the slide first shrinks its figures (together down to FIG_FLOOR of the slide's height, aspect ratio kept),
   then its text (--fit, down to MIN_FIT); if that is not enough it scrolls (class fit-scroll).
   The result is on each slide as data-fit, and document.body.dataset.fitted is set when done. */
(function () {
  'use strict';
  var W = window.SLIDES.width, H = window.SLIDES.height;
  var FIG_FLOOR = 0.45, MIN_FIT = 0.7;

  function leafSlides() {
    return Array.prototype.filter.call(document.querySelectorAll('.reveal .slides section'),
      function (s) { return !s.querySelector('section'); });
  }

  function fitSlide(s) {
    // Measure with the slide (and its vertical stack) displayed; restore reveal's inline display after.
    var shown = [s];
    if (s.parentElement && s.parentElement.tagName === 'SECTION') shown.push(s.parentElement);
    var saved = shown.map(function (e) { return e.style.display; });
    shown.forEach(function (e) { e.style.display = 'block'; });
    var over = function () { return s.scrollHeight - H; };
    var fit = 1, figures = 1;
    if (over() > 0) {
      var imgs = Array.prototype.slice.call(s.querySelectorAll('img'));
      for (var k = 0; k < 4 && imgs.length && over() > 0; k++) {
        var total = imgs.reduce(function (a, i) { return a + i.offsetHeight; }, 0);
        if (!total) break;
        var f = Math.max(0, (total - over()) / total);
        var changed = false;
        imgs.forEach(function (img) {
          var h = img.offsetHeight, w = img.offsetWidth;
          var floor = Math.max(0.25 * H, FIG_FLOOR * H / imgs.length);  // the figures share FIG_FLOOR
          var target = Math.max(Math.min(h, floor), h * f);
          if (target < h - 0.5) {
            img.style.height = target + 'px';
            img.style.width = (w * target / h) + 'px';
            changed = true;
          }
        });
        if (!changed) break;
      }
      if (imgs.length) {
        var natural = imgs.reduce(function (a, i) { return a + (parseFloat(i.getAttribute('height')) || i.offsetHeight); }, 0);
        figures = imgs.reduce(function (a, i) { return a + i.offsetHeight; }, 0) / natural;
      }
      while (over() > 0 && fit > MIN_FIT) {
        fit = Math.max(MIN_FIT, fit * Math.min(0.98, H / s.scrollHeight));
        s.style.setProperty('--fit', fit.toFixed(3));
      }
      if (over() > 0) s.classList.add('fit-scroll');
    }
    s.dataset.fit = fit.toFixed(2);
    if (figures < 1) s.dataset.figures = figures.toFixed(2);
    shown.forEach(function (e, i) { e.style.display = saved[i]; });
  }

  function fitAll() {
    // The speaker view copies a note's HTML into a page without MathJax's CSS, where the hidden copy of
    // each formula for screen readers would show as text next to the formula.
    document.querySelectorAll('aside.notes mjx-assistive-mml').forEach(function (e) { e.remove(); });
    leafSlides().forEach(fitSlide);
    Reveal.layout();
    document.body.dataset.fitted = 'true';
  }

  function imagesDecoded() {
    return Promise.all(Array.prototype.map.call(document.querySelectorAll('.reveal img'), function (img) {
      return img.decode ? img.decode().catch(function () {}) : Promise.resolve();
    }));
  }

  var typeset = (window.MathJax && MathJax.startup && MathJax.startup.promise) || Promise.resolve();
  var ready = Reveal.initialize({
    width: W,
    height: H,
    margin: 0.03,
    center: false,
    hash: true,
    controls: true,
    progress: true,
    slideNumber: 'c/t',
    transition: 'slide',
    transitionSpeed: 'fast',
    plugins: [RevealNotes]
  });
  Promise.all([ready, typeset, imagesDecoded(), document.fonts ? document.fonts.ready : null])
    .then(fitAll, function (err) { console.error(err); fitAll(); });
})();
