// Package campaign is the campaign file: its model, loading and validation.
//
// A campaign file (YAML, documented in docs/campaign.md) names the targets to
// measure, their channels and business hours, the scenarios shoppers play, the
// probe mailboxes email probes send from, and the schedule: when the first run's
// window starts, how long it lasts, how many probes each target gets per channel,
// pacing, deadlines and SLAs.
//
// Load and Parse decode a file strictly (an unknown field is an error), fill
// defaults and derived fields, and check every rule of the format. A file with
// problems gives a *ValidationError listing all of them at once, each as
// "FILE:LINE: field.path: what is wrong", so that an operator fixes a file in one
// pass:
//
//	c, err := campaign.Load("campaign.yaml")
//	if err != nil {
//		fmt.Fprintln(os.Stderr, err) // every problem, one per line
//		return 1
//	}
//	fmt.Println(c.Summary())
//
// LoadWith and ParseWith take Options: the directory a target's own widget profile
// file must lie in (default: the campaign file's directory). Files are read only when
// regular and bounded in size (MaxFileBytes, MaxTextLen, MaxProbesPerRun; see
// docs/campaign.md, "Limits"), and a file that is not a campaign or a profile is
// reported without being quoted.
//
// Secrets never appear in a campaign file: mail servers name an environment
// variable (password_env) or a file (password_file) holding the password.
package campaign
