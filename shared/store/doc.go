// Package store keeps Firebreak's state in one DynamoDB table.
//
// Every access is a GetItem, a Query or a conditional write on a known key;
// nothing scans. Items of one investigation share the partition key
// INV#<id>: its META item, alerts, entities, actions and timeline events,
// so one paged Query reads a whole investigation. Status changes are
// conditional updates, so of two racing writers exactly one wins.
package store
