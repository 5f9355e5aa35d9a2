package email

import "strconv"

// WatcherEvent is a step of a Watcher, told to its OnEvent hook.
type WatcherEvent int

// The steps of a watcher, in the order of a session.
const (
	// EventConnected: logged in (the connected gauge is 1).
	EventConnected WatcherEvent = iota + 1
	// EventSynced: the mailbox was read through and every reply found given
	// to its probe (results published).
	EventSynced
	// EventIdling: the server accepted IDLE; it announces new messages from now on.
	EventIdling
	// EventDisconnected: the session ended (the connected gauge is 0).
	EventDisconnected
	// EventLeaseTaken: this process took the mailbox's lease (Watchers only).
	EventLeaseTaken
	// EventLeaseRenewed: this process renewed the mailbox's lease.
	EventLeaseRenewed
	// EventLeaseBusy: another process holds the lease; this one will try again.
	EventLeaseBusy
	// EventLeaseLost: the lease could not be renewed; the watcher stopped.
	EventLeaseLost
)

// String names the event.
func (e WatcherEvent) String() string {
	switch e {
	case EventConnected:
		return "connected"
	case EventSynced:
		return "synced"
	case EventIdling:
		return "idling"
	case EventDisconnected:
		return "disconnected"
	case EventLeaseTaken:
		return "lease_taken"
	case EventLeaseRenewed:
		return "lease_renewed"
	case EventLeaseBusy:
		return "lease_busy"
	case EventLeaseLost:
		return "lease_lost"
	}
	return "WatcherEvent(" + strconv.Itoa(int(e)) + ")"
}

// event tells the OnEvent hook about e.
func (w *Watcher) event(e WatcherEvent) {
	if w.OnEvent != nil {
		w.OnEvent(e)
	}
}
