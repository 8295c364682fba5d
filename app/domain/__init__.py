"""Pure domain model: values, rules and state machines. Standard library only."""
