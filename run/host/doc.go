// Package host runs lanes. A [Host] starts a lane's program, types into
// it, reads what it shows and stops it; the handle it returns
// ([github.com/cocoder/cocoder/contract.LaneHandle]) is plain data that
// another process can use later.
//
// [Tmux] runs each lane in a window of a private tmux server (one session
// per run), with argv never given to a shell and an explicit environment;
// [Exec] runs headless lanes as child processes. [StartLanes] starts
// several and tears them down if one fails. [Deliver] types a prompt into
// an agent's TUI and confirms it was submitted, retrying Enter (and, only
// when the paste provably never arrived, the paste) a bounded number of
// times.
//
// Hosts for other places (another machine, a cluster) fit behind the same
// interface: a host keeps what it needs to find a lane again in the
// handle's Ref, which nothing else interprets.
package host
