"""One error type for bad input, so every refusal reads the same way:
construct path, rule ID, what is wrong, and how to fix it."""


class KitValidationError(ValueError):
    """Raised while the construct tree is built, before anything is written."""

    def __init__(self, path: str, rule_id: str, problem: str, fix: str) -> None:
        self.path = path
        self.rule_id = rule_id
        self.problem = problem
        self.fix = fix
        super().__init__(f"{path}: [{rule_id}] {problem} Fix: {fix}")


def child_path(scope, construct_id: str) -> str:
    """Path a construct *will* have, for errors raised before it exists."""
    parent = scope.node.path
    return f"{parent}/{construct_id}" if parent else construct_id
