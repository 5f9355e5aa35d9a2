package campaign

import "github.com/stakeoutcx/stakeout/internal/yamlcheck"

// Problem is one thing wrong with a campaign file.
type Problem = yamlcheck.Problem

// ValidationError is returned by Load and Parse when a campaign file is not valid.
type ValidationError = yamlcheck.ValidationError

// problems collects the problems of one file (see yamlcheck.Problems).
type problems = yamlcheck.Problems

func newProblems(file string) *problems { return yamlcheck.NewProblems(file) }
