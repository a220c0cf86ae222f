# Core has no models of its own. This module exists because Django sends
# post_migrate only to apps with a models module, and core's handler sets the
# staff groups to the role table after every migrate and flush.
