// reindeer needs a lib target; nothing here.
