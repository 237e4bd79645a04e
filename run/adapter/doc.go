// Package adapter turns adapter declarations (which agent CLI a lane runs,
// how its prompt, model, sandbox and approval flags are passed) into the
// argv of a lane. [Shipped] returns the declarations built into the
// binary; [Load] reads a workspace's or home's own, which override them;
// [ApplyConfig] applies the home config's command overrides; [Argv] builds
// a lane's command line from a declaration and a [LaneContext].
package adapter
