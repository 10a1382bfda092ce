// Placeholder: reindeer buckifies this package's dependencies only.
