// Package chart draws the report's charts as inline SVG: response-time
// distributions (Distribution), a value per run over time (Trend) and the industry
// ranking (Bars).
//
// The report is one self-contained HTML file that a client forwards to people who
// never saw stakeout, and that headless Chromium prints to PDF. So every chart:
//
//   - is plain SVG with presentation attributes only: no scripts, no <style>, no
//     links to anything (no href, src or url()), font-family "sans-serif";
//   - explains itself: a visible title, axes with titles and tick labels, a legend
//     when there is more than one series, reference lines labelled in words
//     ("SLA 2m"), and short notes under the plot (how to read it, what whiskers
//     mean, why a run has no point);
//   - is accessible: role="img", a <title> and a <desc> (the numbers in words) as
//     first children, named by aria-labelledby;
//   - carries data-chart="distribution", "trend" or "bars" on the root element, and
//     data-role="plot" on the rectangle of the plot area, so tests can find them;
//   - is deterministic: the same spec gives byte-identical SVG (numbers have fixed
//     precision, ids are a hash of the content);
//   - never fails: empty or all-NaN input draws the frame with the text "no data",
//     and NaN, Inf and negative values are ignored.
//
// Every text that comes from outside (company names, labels) is escaped, stripped
// of characters XML forbids, and shortened when it would not fit.
//
// Distribution draws empirical cumulative distribution curves (ECDF), not
// histograms: the height of a curve at time t is the share of answers given within
// t, which is the question a client asks ("what share did they answer within our 2
// minute SLA?") and can be read off where the curve crosses a reference line (the
// chart marks and labels those crossings). Curves of groups of very different sizes
// (a company, its industry) overlay without hiding each other, and there is no bin
// width to choose, which on a log axis of seconds to days would change the picture.
//
// Trend draws an interval as an error bar per point rather than a band: runs are
// separate measurements, and a band would suggest values between them.
//
//	html := chart.Distribution(chart.DistributionSpec{
//		Title:  "Chat: time to a human answer",
//		Series: []chart.Series{{Name: "Acme", Values: secs}},
//		Lines:  []chart.Line{{Label: "SLA 2m", Value: 120}},
//	})
package chart
