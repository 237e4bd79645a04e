//go:build race

package oz_test

// raceEnabled tells the load test to scale down under the race detector.
const raceEnabled = true
