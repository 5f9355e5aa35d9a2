// Package report writes the report a client forwards: for each target of a run, its
// scorecard per channel with intervals and tier, its response times against its
// industry, its trend over past runs, the industry ranking (competitors named or
// anonymised), the quality checks passed and failed with example spans, and the
// evidence behind each number (sample sizes, the probes with their times and answers).
//
// Build gathers the figures from the store; WriteHTML writes one self-contained page
// (inline SVG charts from package chart, no scripts, nothing fetched); WritePDF prints
// that page with headless Chromium; WriteCSV writes the raw figures, one row per probe.
package report
