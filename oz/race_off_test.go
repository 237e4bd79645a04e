//go:build !race

package oz_test

const raceEnabled = false
