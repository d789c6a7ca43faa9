package stack

import (
	"context"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// JobQueue is the job queue's name: the topic of components/local/jobs.yaml,
// and the queue the consumer's subscription names (queueName).
const JobQueue = "jobs"

// DeclareJobQueue declares what Dapr's pubsub.rabbitmq declares for topic
// name with a subscription of the same queueName (components/local/jobs.yaml:
// durable, not deleted when unused, fanout): exchange name, queue name
// (classic), and the binding between them. pubsub.rabbitmq publishes to the
// exchange, which drops messages while no queue is bound to it, so without
// this the jobs published before the consumer first subscribes are lost.
// The chart's RabbitMQ (helm/airdisplay-backing) declares the same at start.
func DeclareJobQueue(ctx context.Context, url, name string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var conn *amqp.Connection
	var err error
	// The listener opens a moment before the broker takes logins.
	for conn, err = amqp.Dial(url); err != nil; conn, err = amqp.Dial(url) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("declare the job queue: %w", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	if err := ch.ExchangeDeclare(name, amqp.ExchangeFanout, true, false, false, false, nil); err != nil {
		return fmt.Errorf("declare exchange %s: %w", name, err)
	}
	if _, err := ch.QueueDeclare(name, true, false, false, false, amqp.Table{amqp.QueueTypeArg: amqp.QueueTypeClassic}); err != nil {
		return fmt.Errorf("declare queue %s: %w", name, err)
	}
	if err := ch.QueueBind(name, "", name, false, nil); err != nil {
		return fmt.Errorf("bind queue %s: %w", name, err)
	}
	return nil
}
