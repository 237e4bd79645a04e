// Package prompt writes what a run tells its agents: the startup packet
// (the bounded context of the priority, its session log and write scopes,
// built by [BuildPacket]) and each lane's prompt ([RenderLane]): its role,
// write scope, teammates, startup mode and how to report its result.
package prompt
