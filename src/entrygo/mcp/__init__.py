"""``entrygo mcp``: EntryGo's export control loop as Model Context Protocol tools for AI agents,
behind a policy guard the operator configures (docs/guides/automation-agents.md).

``policy`` holds the operator's settings and judges calls against them (pure); ``review`` turns
a plan into the decision surface; ``server`` registers the tools and resources and refuses what
the policy does not allow, recording each refusal in the account's event feed (``recorder``);
``command`` is the command line. The server reaches EntryGo over HTTP through the Python SDK,
never its storage.
"""
