"""The assistant: questions in, cited answers out. Built on kb; see the open issues for its scope."""
