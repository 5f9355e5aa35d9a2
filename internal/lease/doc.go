// Package lease holds things in Redis for a while: a lease is a key whose value is its
// owner's random token and whose time to live bounds how long a dead owner keeps it. The
// owner renews it (compare-and-PEXPIRE) and releases it (compare-and-delete) with Lua
// scripts, so an owner never extends or frees a lease another process took after its own
// expired. A Keeper renews a lease in the background and says when it was lost.
//
// stakeout uses leases for the per-target pacing slots of the workers, the scheduler's
// launch lock of a run and the mail watchers' mailbox leases.
package lease
