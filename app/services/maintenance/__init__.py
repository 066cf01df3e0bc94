"""Preventive maintenance (issue 22): plans, due lists, doing a task with its readings, figures, calendar feed."""
