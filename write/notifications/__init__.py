"""The notifications context: in-app notifications and the mails that go with some of them."""
