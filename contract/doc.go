// Package contract defines every CoCoder contract as a Go type, loads them
// strictly from YAML or JSON, validates them, and publishes one JSON Schema
// per contract.
package contract
