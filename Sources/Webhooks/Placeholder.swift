enum WebhooksPlaceholder {}
